// Shared test helpers: temp directories, a fixed signing key, a record's stored line.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { canonicalJson, type LedgerRecord, type LedgerSigner, signerFromPrivateKey } from "../src/index.ts";

export interface TempDir extends Disposable {
  path: string;
}

export function tempDir(prefix = "pithead-ledger-"): TempDir {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, [Symbol.dispose]: () => rmSync(path, { recursive: true, force: true }) };
}

// A fixed Ed25519 key (RFC 8032 test 1 seed) so failures are reproducible.
const SEED = Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex");
export const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

export function pemFromSeed(seed: Uint8Array): string {
  const der = Buffer.concat([PKCS8_PREFIX, seed]).toString("base64");
  return `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n`;
}

export function testSigner(origin = "pithead.test/ledger"): LedgerSigner {
  return signerFromPrivateKey(pemFromSeed(SEED), origin);
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** The stored line of a record, as append wrote it (rebuilt from its fields, not read back). */
export function lineOf(record: LedgerRecord): string {
  const { at, body, prev, seq, type, v } = record;
  return canonicalJson({ at, body, prev, seq, type, v });
}

/** What `promise` rejects with (undefined when it resolves), for asserting on a coded error. */
export async function rejection(promise: Promise<unknown>): Promise<{ code?: string; message?: string } | undefined> {
  return (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message?: string } | undefined;
}
