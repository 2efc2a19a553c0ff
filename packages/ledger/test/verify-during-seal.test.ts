// `pithead ledger verify` of a partition another process writes to: a seal (records.jsonl swapped for
// a new file, its older records moved into a segment) right after the verify opened records.jsonl must
// not be reported as records missing (exit 1, read by a cron auditor as tampering). The interleaving is
// forced: a writer process appends, checkpoints and seals right after the verify opens records.jsonl.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ChainVerifier } from "../src/chain-verifier.ts";
import { openLedger } from "../src/index.ts";
import { JsonlBackend } from "../src/jsonl-store.ts";
import { tempDir, testSigner } from "./helpers.ts";

const gate = vi.hoisted(() => ({ afterOpen: undefined as (() => void) | undefined }));

vi.mock("node:fs", async (importOriginal) => {
  const fs = await importOriginal<typeof import("node:fs")>();
  const openSync = (...args: Parameters<typeof fs.openSync>) => {
    const fd = fs.openSync(...args);
    const then = gate.afterOpen;
    if (then && String(args[0]).endsWith("records.jsonl") && args[1] === "r") {
      gate.afterOpen = undefined;
      then();
    }
    return fd;
  };
  return { ...fs, openSync, default: { ...fs, openSync } };
});

const P = "fleet/op";
const sealWriter = fileURLToPath(new URL("./fixtures/seal-writer.ts", import.meta.url));

describe("verify while another process's writer seals", () => {
  afterEach(() => {
    gate.afterOpen = undefined;
  });

  it("a seal right after the verify opened records.jsonl is no damage: every record is checked, none reported missing", async () => {
    using dir = tempDir();
    const writer = await openLedger({ store: "jsonl", dir: dir.path, signer: testSigner(), sealBytes: 32 * 1024 });
    for (let i = 0; i < 100; i++) await writer.append(P, "fleet.telemetry", { i, note: "x".repeat(1000) });
    await writer.checkpoint(P);
    await writer.close();

    gate.afterOpen = () => execFileSync(process.execPath, [sealWriter, dir.path, P, "100", "10"]);
    const reader = new JsonlBackend(dir.path, () => undefined);
    try {
      const verifier = new ChainVerifier({ partition: P, requireCoverage: false });
      await reader.verify(P, verifier);
      expect(gate.afterOpen).toBeUndefined(); // the writer did run mid-verify
      const report = verifier.finish();
      expect(report.problems).toEqual([]);
      expect(report.ok).toBe(true);
      expect(report.records).toBeGreaterThanOrEqual(100);
    } finally {
      await reader.close();
    }
  });
});
