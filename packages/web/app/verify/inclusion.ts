// "Is this record in the signed log?" checked in the browser, step by step, without trusting the
// server: recompute the record's hash, its leaf hash, walk the audit path to a root, and check that
// root is the one a checkpoint signed by the ledger's key commits to.

import { bytesFromHex, hexOf } from "./bytes.ts";
import { leafHash, verifyInclusion } from "./merkle.ts";
import { type LedgerRecord, recordHash } from "./record.ts";
import { noteSignedBy, parseCheckpoint, parseVerifierKey } from "./signed-note.ts";

export interface InclusionProofWire {
  seq: number;
  treeSize: number;
  leafHash: string;
  recordHash: string;
  path: string[];
  rootHash: string;
}

export interface CheckpointWire {
  size: number;
  rootHash: string;
  note: string;
  verifierKey?: string;
}

export interface Step {
  label: string;
  ok: boolean;
  detail: string;
}

export interface InclusionCheck {
  ok: boolean;
  steps: Step[];
}

export async function checkInclusion(input: {
  record: LedgerRecord;
  proof: InclusionProofWire | null;
  checkpoint: CheckpointWire | null;
  /** The ledger's verifier key; the checkpoint's own when not given. */
  verifierKey?: string | null;
}): Promise<InclusionCheck> {
  const steps: Step[] = [];
  const add = (label: string, ok: boolean, detail: string) => steps.push({ label, ok, detail });
  const done = () => ({ ok: steps.length > 0 && steps.every((step) => step.ok), steps });

  const hash = hexOf(await recordHash(input.record));
  add(
    "Record hash",
    input.record.hash === undefined || input.record.hash === hash,
    `SHA-256 of the canonical record is ${hash}`,
  );
  const { proof, checkpoint } = input;
  if (!proof || !checkpoint) {
    add("Checkpoint", false, "No signed checkpoint covers this record yet: try again after the next checkpoint");
    return done();
  }
  add(
    "Proof is for this record",
    proof.seq === input.record.seq && proof.recordHash === hash,
    `the proof is for seq ${proof.seq} with record hash ${proof.recordHash}`,
  );
  const leaf = await leafHash(bytesFromHex(hash, 32) as Uint8Array);
  add("Leaf hash", hexOf(leaf) === proof.leafHash, `SHA-256(0x00 ‖ record hash) = ${hexOf(leaf)}`);
  const path = proof.path.map((node) => bytesFromHex(node, 32));
  const root = bytesFromHex(checkpoint.rootHash, 32);
  const pathOk = path.every((node) => node !== undefined) && root !== undefined && proof.treeSize === checkpoint.size;
  const included =
    pathOk && (await verifyInclusion(proof.seq, proof.treeSize, leaf, path as Uint8Array[], root as Uint8Array));
  add(
    "Audit path",
    included,
    `${proof.path.length} sibling hashes lead from the leaf to the root of the tree of ${checkpoint.size} records (${checkpoint.rootHash.slice(0, 16)}…)`,
  );
  try {
    const parsed = parseCheckpoint(checkpoint.note);
    add(
      "Checkpoint commits to that root",
      parsed.rootHex === checkpoint.rootHash && parsed.size === checkpoint.size,
      `the signed note says size ${parsed.size}, root ${parsed.rootHex.slice(0, 16)}…`,
    );
    const keyText = input.verifierKey ?? checkpoint.verifierKey;
    if (!keyText) {
      add("Checkpoint signature", false, "the ledger publishes no verifier key to check the signature with");
    } else {
      const key = await parseVerifierKey(keyText);
      const signed = await noteSignedBy(parsed, key);
      add(
        "Checkpoint signature",
        signed,
        signed
          ? `Ed25519 signature by ${key.name} (key id ${hexOf(key.keyId)}) is valid`
          : `no valid signature by ${key.name}`,
      );
    }
  } catch (error) {
    add("Checkpoint", false, error instanceof Error ? error.message : String(error));
  }
  return done();
}
