// A job whose lease was lost keeps that lease's error until it completes, also while a second lease
// holds it: the message said "the job waits for another lease" next to state LEASED. It now says
// what happened (went back to the queue), which stays true once another miner holds the job.
import { describe, expect, it } from "vitest";
import { startTestCoordinator } from "./support/coordinator.ts";

describe("the error a lost lease leaves on its job", () => {
  it("reads true while the next lease holds the job", async () => {
    await using coordinator = await startTestCoordinator({ config: { leaseTtlS: 30, heartbeatTimeoutS: 600 } });
    const client = await coordinator.client(1_000);
    const miner = await coordinator.miner("rig-1", { capabilities: { workloads: ["echo"] } });
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload: "echo", reward: 10 } });
    const id = String(job.body.id);
    const next = () => coordinator.call("GET", `/v1/miner/next?miner=${miner.minerId}&slots=1`, { key: miner.key });
    expect((await next()).body.id).toBe(id);

    coordinator.clock.advance(31_000);
    await coordinator.running.service.sweep();
    expect((await next()).body.attempt).toBe(2);

    const leased = await coordinator.call("GET", `/v1/jobs/${id}`, { key: client.key });
    expect(leased.body.state).toBe("LEASED");
    expect(leased.body.error?.code).toBe("LEASE_EXPIRED");
    expect(String(leased.body.error?.message)).toContain(
      "the lease of miner rig-1 at attempt 1 ended without a proof, and the job went back to the queue",
    );
    expect(String(leased.body.error?.message)).not.toContain("waits");
  });
});
