import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { INITIAL_LINK, linkFailed, linkSucceeded } from "../src/core/backoff.ts";
import { memoryShortfall, readMemoryNeeds } from "../src/core/memory-needs.ts";
import { backoffDelay, judgeAnswer, loadOrCreateMinerKey, proofMessage } from "../src/index.ts";

describe("backoff", () => {
  const policy = { baseMs: 500, capMs: 60_000 };

  it("grows exponentially, is capped, and draws the whole range below the ceiling (full jitter)", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([499, 999, 1999, 3999]);
    expect(backoffDelay(policy, 40, () => 0.999999)).toBe(59_999);
    expect(backoffDelay(policy, 5, () => 0)).toBe(0);
  });

  it("reports a change of link state once, not on every retry", () => {
    let state = INITIAL_LINK;
    const changes: (string | undefined)[] = [];
    for (const outcome of ["fail", "fail", "fail", "ok", "ok", "fail"]) {
      const step = outcome === "fail" ? linkFailed(state, "ECONNREFUSED") : linkSucceeded(state);
      state = step.state;
      changes.push(step.change);
    }
    expect(changes).toEqual(["down", undefined, undefined, "up", undefined, "down"]);
    expect(state.failures).toBe(1);
  });
});

describe("judging the coordinator's answer to a proof or fail", () => {
  it.each([
    [200, undefined, "acked"],
    [201, undefined, "acked"],
    [undefined, undefined, "retry"],
    [500, "INTERNAL", "retry"],
    [503, undefined, "retry"],
    [429, "RATE_LIMITED", "retry"],
    [401, "UNAUTHORIZED", "retry"],
    [409, "LEASE_EXPIRED", "rejected"],
    [409, "LEASE_NOT_HELD", "rejected"],
    [409, "PROOF_CONFLICT", "rejected"],
    [404, "JOB_NOT_FOUND", "rejected"],
    [422, "BAD_SIGNATURE", "rejected"],
    [413, "OUTPUT_TOO_LARGE", "rejected"],
  ] as const)("proof answered %s %s → %s", (status, code, verdict) => {
    expect(judgeAnswer("proof", { status, errorCode: code })).toBe(verdict);
  });

  it("takes a conflict naming our own output as proof that the coordinator already has it", () => {
    const answer = { status: 409, errorCode: "PROOF_CONFLICT", details: { accepted_output_sha: "ab" } };
    expect(judgeAnswer("proof", answer, "ab")).toBe("acked");
    expect(judgeAnswer("proof", answer, "cd")).toBe("rejected");
  });

  it("treats any final 4xx to a fail as done: the job is not ours any more either way", () => {
    expect(judgeAnswer("fail", { status: 409, errorCode: "LEASE_NOT_HELD" })).toBe("acked");
    expect(judgeAnswer("fail", { status: 503 })).toBe("retry");
  });
});

describe("memory needs", () => {
  it("refuses a job that states more VRAM or RAM than the machine has, naming the numbers", () => {
    const needs = readMemoryNeeds({ min_vram_mb: 24_000 });
    if ("error" in needs) throw new Error(needs.error);
    expect(memoryShortfall(needs, { vramMb: 0, freeRamMb: 8000 })).toBe(
      "job needs 24000 MB of VRAM and this miner has no GPU",
    );
    expect(memoryShortfall(needs, { vramMb: 16_000, freeRamMb: 8000 })).toMatch(/largest GPU has 16000 MB/);
    expect(memoryShortfall(needs, { vramMb: 80_000, freeRamMb: 8000 })).toBeUndefined();
    expect(readMemoryNeeds({ min_ram_mb: "lots" })).toEqual({
      error: 'params.min_ram_mb must be a whole number of MB, got "lots"',
    });
  });
});

describe("the miner key", () => {
  it("is created once with mode 600 and signs what the coordinator verifies", () => {
    const file = join(mkdtempSync(join(tmpdir(), "miner-key-")), "keys", "miner.key");
    const first = loadOrCreateMinerKey(file);
    expect(first.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateMinerKey(file);
    expect(again.created).toBe(false);
    expect(again.publicKey).toBe(first.publicKey);

    // The coordinator's check: canonical {job_id, miner_id, output_sha}, raw 32-byte key in base64.
    const fields = { job_id: "6f1c0f0e-0000-4000-8000-000000000001", miner_id: "rig-gpu0", output_sha: "a".repeat(64) };
    const message = proofMessage(fields);
    expect(message.toString()).toBe(
      `{"job_id":"${fields.job_id}","miner_id":"rig-gpu0","output_sha":"${"a".repeat(64)}"}`,
    );
    const raw = Buffer.from(first.publicKey, "base64");
    expect(raw).toHaveLength(32);
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
    const publicKey = createPublicKey({ key: spki, format: "der", type: "spki" });
    const signature = Buffer.from(again.sign(message), "base64");
    expect(verify(null, message, publicKey, signature)).toBe(true);
    expect(verify(null, proofMessage({ ...fields, miner_id: "other" }), publicKey, signature)).toBe(false);
  });

  it("refuses a key file that is not a PEM key instead of replacing it", () => {
    const file = join(mkdtempSync(join(tmpdir(), "miner-key-")), "miner.key");
    writeFileSync(file, "not a key");
    expect(() => loadOrCreateMinerKey(file)).toThrow(/is not a PEM private key; move it away/);
  });
});
