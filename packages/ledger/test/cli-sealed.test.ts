// `pithead ledger verify` of a JSONL partition with sealed segments: the partition directory (segments,
// records.jsonl, checkpoints) passes, a damaged segment fails with exit 1 naming it, and a bare
// records.jsonl (which starts mid-chain) is refused with exit 2, saying to pass the directory.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openLedger, signerFromPrivateKey } from "../src/index.ts";
import { pemFromSeed, tempDir } from "./helpers.ts";
import { pithead } from "./ledger-cli.ts";

const pem = pemFromSeed(Buffer.alloc(32, 9));
const signer = signerFromPrivateKey(pem, "pithead.test/sealed");
const dir = tempDir("pithead-cli-sealed-");
const keyFile = join(dir.path, "sealed.key");

async function sealedStore(name: string): Promise<string> {
  const store = join(dir.path, name);
  const ledger = await openLedger({ store: "jsonl", dir: store, signer, sealBytes: 16 * 1024 });
  for (let i = 0; i < 600; i += 20) {
    await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        ledger.append("fleet/op", "fleet.telemetry", { i: i + k, temps: [61, 62, 63], note: "reading ".repeat(40) }),
      ),
    );
    await ledger.checkpoint("fleet/op");
  }
  await ledger.close();
  return join(store, "fleet", "op.ledger");
}

let good: string;
let bad: string;

beforeAll(async () => {
  writeFileSync(keyFile, pem, { mode: 0o600 });
  good = await sealedStore("good");
  bad = await sealedStore("bad");
  const segment = join(bad, "sealed", readdirSync(join(bad, "sealed"))[0]!);
  const bytes = readFileSync(segment);
  bytes[bytes.length >> 1]! ^= 0x01;
  writeFileSync(segment, bytes);
});

afterAll(() => dir[Symbol.dispose]());

describe("pithead ledger verify with sealed segments", () => {
  it("passes a partition directory whose older records are sealed (exit 0)", async () => {
    expect(readdirSync(join(good, "sealed")).length).toBeGreaterThan(1);
    const result = await pithead("verify", good, "--key-file", keyFile);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/600 records/);
  });

  it("fails a partition with a damaged segment (exit 1), naming the segment", async () => {
    const name = readdirSync(join(bad, "sealed"))[0]!;
    const result = await pithead("verify", bad, "--key-file", keyFile, "--json");
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(name);
  });

  it("refuses a bare records.jsonl of a sealed partition (exit 2), saying to pass the directory", async () => {
    const result = await pithead("verify", join(good, "records.jsonl"), "--key-file", keyFile);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass the partition directory/);
  });

  it("verifies the whole store too", async () => {
    const result = await pithead("verify", join(dir.path, "good"), "--key-file", keyFile);
    expect(result.code).toBe(0);
  });
});
