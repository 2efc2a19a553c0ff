// Two miner processes with one MINER_ID and API key (a copied config, a second unit started by
// mistake) used to take turns registering their own proof-signing key, so each one's proofs failed
// BAD_SIGNATURE. While the id is online with one public key, a heartbeat with another is refused
// (409 MINER_ID_IN_USE) and the first keeps working; once it stops (stopping) or times out, the
// new key is taken.
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proofMessage } from "../src/core/proof-signature.ts";
import { sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

const HEARTBEAT_TIMEOUT_S = 90;
let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator({ config: { heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S } });
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

function signingKey(): { publicKey: string; privateKey: KeyObject } {
  const pair = generateKeyPairSync("ed25519");
  const raw = pair.publicKey.export({ format: "der", type: "spki" }).subarray(-32);
  return { publicKey: raw.toString("base64"), privateKey: pair.privateKey };
}

let counter = 0;

async function twoProcesses() {
  const minerId = `twin-${++counter}`;
  const workload = `twin_work_${counter}`;
  const key = await coordinator.key("miner", { label: minerId });
  const first = signingKey();
  const second = signingKey();
  const beat = (process: { publicKey: string }, extra: Record<string, unknown> = {}) =>
    coordinator.call("POST", "/v1/miner/heartbeat", {
      key: key.key,
      body: {
        miner_id: minerId,
        wallet: `w_${minerId}`,
        mode: "cpu",
        gpu: 0,
        capabilities: { workloads: [workload], public_key: process.publicKey },
        ...extra,
      },
    });
  return { minerId, workload, key: key.key, first, second, beat };
}

const refusals = (minerId: string) =>
  coordinator.logs.filter((line) => line.includes("MINER_ID_IN_USE") && line.includes(minerId)).length;

describe("a heartbeat with another public key for a miner id that is online", () => {
  it("is refused 409 MINER_ID_IN_USE, logged once, and the first process's signed proofs keep working", async () => {
    const { minerId, workload, key, first, second, beat } = await twoProcesses();
    expect((await beat(first)).status).toBe(200);
    const refused = await beat(second);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: "MINER_ID_IN_USE",
      details: { miner_id: minerId, heartbeat_timeout_s: HEARTBEAT_TIMEOUT_S },
    });
    const message = String(refused.body.error?.message);
    expect(message).toMatch(/another process is running as miner/i);
    expect(message).toContain(`${HEARTBEAT_TIMEOUT_S} s`);
    expect((await beat(second)).status).toBe(409);
    // Both keep beating, in turns: the first is answered as usual, the second refused, logged once.
    expect((await beat(first)).status).toBe(200);
    expect((await beat(second)).status).toBe(409);
    expect(refusals(minerId)).toBe(1);

    // The first process still holds the id with its key: its signed proof is accepted.
    const client = await coordinator.client();
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload, reward: 10 } });
    const next = await coordinator.call("GET", `/v1/miner/next?miner=${minerId}&slots=1`, { key });
    expect(next.body.id).toBe(job.body.id);
    const outputSha = sha256("ok");
    const signature = sign(
      null,
      Buffer.from(proofMessage({ job_id: String(job.body.id), miner_id: minerId, output_sha: outputSha })),
      first.privateKey,
    ).toString("base64");
    const proof = await coordinator.call("POST", "/v1/miner/proof", {
      key,
      body: { id: job.body.id, output_sha: outputSha, output: "ok", metrics: {}, signature },
    });
    expect(proof.body).toMatchObject({ accepted: true, state: "COMPLETED" });
  });

  it("is accepted once the first process has been silent for the heartbeat timeout (it died)", async () => {
    const { first, second, beat } = await twoProcesses();
    expect((await beat(first)).status).toBe(200);
    coordinator.clock.advance((HEARTBEAT_TIMEOUT_S - 1) * 1000);
    expect((await beat(second)).status).toBe(409);
    coordinator.clock.advance(2000);
    const taken = await beat(second);
    expect(taken.status).toBe(200);
    // Now the first one is the stranger.
    expect((await beat(first)).body.error?.code).toBe("MINER_ID_IN_USE");
  });

  it("is accepted at once after the first process said it is stopping", async () => {
    const { first, second, beat } = await twoProcesses();
    expect((await beat(first)).status).toBe(200);
    expect((await beat(first, { stopping: true })).status).toBe(200);
    expect((await beat(second)).status).toBe(200);
  });
});
