// C2SP signed-note / tlog-checkpoint: the golang.org/x/mod/sumdb/note known answer, and checkpoints
// signed here checked by an independent re-implementation of the spec's rules.
import { createHash, createPublicKey, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  checkpointText,
  formatVerifierKey,
  loadOrCreateSigner,
  merkleRoot,
  openLedger,
  parseCheckpoint,
  parseVerifierKey,
  signerFromPrivateKey,
  signNote,
  verifyCheckpoint,
} from "../src/index.ts";
import { openNote } from "../src/signed-note.ts";
import { pemFromSeed, tempDir, testSigner } from "./helpers.ts";

// From golang.org/x/mod/sumdb/note (note_test.go / package doc).
const GO_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_NOTE = `${GO_TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`;

function goSigner() {
  // The Go private key is "PRIVATE+KEY+<name>+<id>+base64(0x01 ‖ seed)".
  const seed = Buffer.from(GO_SKEY.split("+").slice(4).join("+"), "base64").subarray(1);
  return signerFromPrivateKey(pemFromSeed(seed), "PeterNeumann", "PeterNeumann");
}

/** The signed-note rules written out again, sharing nothing with src/signed-note.ts. */
function independentOpen(note: string, vkey: string): string | undefined {
  const [name, idHex, ...rest] = vkey.split("+");
  const material = Buffer.from(rest.join("+"), "base64");
  if (material[0] !== 1 || material.length !== 33 || !name || !idHex) return undefined;
  const pub = material.subarray(1);
  const id = createHash("sha256")
    .update(Buffer.concat([Buffer.from(name), Buffer.from([0x0a, 0x01]), pub]))
    .digest()
    .subarray(0, 4);
  if (id.toString("hex") !== idHex) return undefined;
  const split = note.lastIndexOf("\n\n");
  const text = note.slice(0, split + 1);
  for (const line of note.slice(split + 2).split("\n")) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const blob = Buffer.from(match[2]!, "base64");
    if (!blob.subarray(0, 4).equals(id)) continue;
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pub]);
    const key = createPublicKey({ key: spki, format: "der", type: "spki" });
    return verify(null, Buffer.from(text), key, blob.subarray(4)) ? text : undefined;
  }
  return undefined;
}

describe("signed notes", () => {
  it("reproduces the sumdb/note example byte for byte (Ed25519 is deterministic)", () => {
    const signer = goSigner();
    expect(signer.verifierKey).toBe(GO_VKEY);
    expect(signNote(GO_TEXT, signer)).toBe(GO_NOTE);
    expect(openNote(GO_NOTE, GO_VKEY)).toBe(GO_TEXT);
    expect(independentOpen(GO_NOTE, GO_VKEY)).toBe(GO_TEXT);
  });

  it("rejects the example when the text, signature or key is altered", () => {
    expect(openNote(GO_NOTE.replace("cryptography", "cryptographY"), GO_VKEY)).toBeUndefined();
    expect(openNote(GO_NOTE.replace("x08go", "x08gp"), GO_VKEY)).toBeUndefined();
    const other = testSigner().verifierKey;
    expect(openNote(GO_NOTE, other)).toBeUndefined();
    expect(openNote(GO_NOTE.replace("— ", "-- "), GO_VKEY)).toBeUndefined();
    expect(openNote(GO_NOTE.replace("\n\n", "\n"), GO_VKEY)).toBeUndefined();
  });

  it("parses and validates verifier keys", () => {
    expect(parseVerifierKey(GO_VKEY).keyName).toBe("PeterNeumann");
    expect(() => parseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toThrow(
      /does not match/,
    );
    expect(() => parseVerifierKey("nokey")).toThrow(/look like/);
    expect(() => parseVerifierKey("a b+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")).toThrow(/key name/);
    const signer = testSigner();
    expect(formatVerifierKey(signer.keyName, signer.publicKey)).toBe(signer.verifierKey);
  });
});

describe("checkpoints", () => {
  it("are tlog-checkpoint notes that an independent signed-note verifier accepts", async () => {
    using dir = tempDir();
    const signer = testSigner("pithead.test/auditable");
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    const bodies = Array.from({ length: 13 }, (_, i) => ({ type: "test.x", body: { i } }));
    const records = await ledger.appendBatch("ops", bodies);
    const checkpoint = await ledger.checkpoint("ops");
    await ledger.close();
    const text = independentOpen(checkpoint.note, signer.verifierKey);
    expect(text).toBeDefined();
    const [origin, size, root, ...extra] = text!.split("\n");
    expect(origin).toBe("pithead.test/auditable/ops");
    expect(size).toBe("13");
    // The root is the RFC 9162 root over the record hashes, base64 (standard alphabet, padded).
    expect(root).toBe(merkleRoot(records.map((r) => Buffer.from(r.hash, "hex"))).toString("base64"));
    expect(extra).toEqual([""]);
    expect(verifyCheckpoint(checkpoint.note, signer.verifierKey)).toBe(true);
    expect(verifyCheckpoint(checkpoint.note.replace("\n13\n", "\n14\n"), signer.verifierKey)).toBe(false);
  });

  it("parse names what is malformed and verify refuses it", () => {
    const signer = testSigner();
    const note = signNote(checkpointText("o", 3, Buffer.alloc(32, 7)), signer);
    expect(parseCheckpoint(note)).toMatchObject({ origin: "o", size: 3, rootHash: "07".repeat(32) });
    expect(parseCheckpoint(note).signatures[0]?.keyName).toBe(signer.keyName);
    const bad = [
      [signNote("o\n03\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", signer), /size/],
      [signNote("o\n3\nBwcH\n", signer), /root/],
      [signNote("o\n", signer), /size/],
      ["o\n3\nBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=\n", /blank line/],
    ] as const;
    for (const [text, error] of bad) {
      expect(() => parseCheckpoint(text)).toThrow(error);
      expect(verifyCheckpoint(text, signer.verifierKey)).toBe(false);
    }
  });

  it("are accepted with trailing newlines (as saved to a file); a trusted one that is no note is an error saying so", async () => {
    using dir = tempDir();
    const signer = testSigner();
    const ledger = await openLedger({ store: "jsonl", dir: dir.path, signer });
    try {
      await ledger.appendBatch("ops", [{ type: "test.x", body: {} }]);
      const { note } = await ledger.checkpoint("ops");
      expect(parseCheckpoint(`${note}\n`)).toMatchObject({ size: 1 });
      expect(verifyCheckpoint(`${note}\n\n`, signer.verifierKey)).toBe(true);
      expect(await ledger.verify("ops", { trustedCheckpoints: [`${note}\n`] })).toMatchObject({
        ok: true,
        checkpoints: 2,
        problems: [],
      });
      // A blank line inside the note is still refused.
      expect(() => parseCheckpoint(note.replace("\n\n", "\n\n\n"))).toThrow(/must not contain a blank line/);
      await expect(ledger.verify("ops", { trustedCheckpoints: [note, "ops\n1\n"] })).rejects.toThrow(
        "trusted checkpoint 2 of 2 is not a signed checkpoint note: note has no blank line before its signatures",
      );
    } finally {
      await ledger.close();
    }
  });

  it("keeps the signing key in a mode-600 file, reused across runs, and refuses a world-readable one", async () => {
    using dir = tempDir();
    const file = `${dir.path}/keys/ledger.key`;
    const first = loadOrCreateSigner(file, "pithead.test/k");
    const { mode } = await import("node:fs").then((fs) => fs.statSync(file));
    expect(mode & 0o777).toBe(0o600);
    expect(loadOrCreateSigner(file, "pithead.test/k").verifierKey).toBe(first.verifierKey);
    const { chmodSync } = await import("node:fs");
    chmodSync(file, 0o644);
    expect(() => loadOrCreateSigner(file, "pithead.test/k")).toThrow(/chmod 600/);
    expect(() => loadOrCreateSigner(file, "has space")).toThrow();
  });

  it("makes no key file for an origin or key name it refuses", async () => {
    using dir = tempDir();
    const { existsSync } = await import("node:fs");
    const file = `${dir.path}/ledger.key`;
    expect(() => loadOrCreateSigner(file, "bad origin")).toThrow(/must be non-empty and contain no spaces/);
    expect(() => loadOrCreateSigner(file, "pithead.test", "bad+name")).toThrow(/without spaces or '\+'/);
    expect(existsSync(file)).toBe(false);
  });
});
