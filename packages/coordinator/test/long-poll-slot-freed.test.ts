// Regression: a miner long-polling at its in-flight limit (its result is still being delivered
// while its slot already polls for the next job) must get the next queued job the moment its
// proof frees the slot — not when its long-poll times out.
import { afterAll, beforeAll, expect, it } from "vitest";
import { sha256, startTestCoordinator, type TestCoordinator } from "./support/coordinator.ts";

let coordinator: TestCoordinator;

beforeAll(async () => {
  coordinator = await startTestCoordinator();
});
afterAll(async () => {
  await coordinator[Symbol.asyncDispose]();
});

it("wakes a miner waiting at its slot limit as soon as its proof is accepted", async () => {
  const miner = await coordinator.miner("slot-1", { capabilities: { workloads: ["slot_work"] } });
  const client = await coordinator.client();
  const first = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "slot_work", reward: 1 },
  });
  const second = await coordinator.call("POST", "/v1/jobs", {
    key: client.key,
    body: { workload: "slot_work", reward: 1 },
  });
  const leased = await coordinator.call("GET", "/v1/miner/next?miner=slot-1&slots=1", { key: miner.key });
  expect(leased.body.id).toBe(first.body.id);

  // One slot, one job in flight: this long-poll cannot be answered until the first job is proved.
  const poll = coordinator.call("GET", "/v1/miner/next?miner=slot-1&slots=1&wait=30", { key: miner.key });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const output = "done";
  const proved = await coordinator.call("POST", "/v1/miner/proof", {
    key: miner.key,
    body: { id: first.body.id, mode: "cpu", output, output_sha: sha256(output), metrics: {} },
  });
  expect(proved.status).toBe(200);

  const started = Date.now();
  const next = await poll;
  expect(next.status).toBe(200);
  expect(next.body.id).toBe(second.body.id);
  // A bound on a hang (the long-poll's own deadline is 30 s), not a timing assertion.
  expect(Date.now() - started).toBeLessThan(20_000);
});
