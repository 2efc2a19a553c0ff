// GET /v1/jobs/{id}/result of a job that ended without a result says why in words: it used to
// answer "The job ended CANCELED (CANCELED)", naming the state twice and the reason never.
import { describe, expect, it } from "vitest";
import { startTestCoordinator } from "./support/coordinator.ts";

describe("the result of a job that ended without one", () => {
  it("is 409 JOB_FINAL whose message gives the reason, not the state twice", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client(1_000);
    const job = await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload: "echo", reward: 10 } });
    const id = String(job.body.id);
    expect((await coordinator.call("POST", `/v1/jobs/${id}/cancel`, { key: client.key })).status).toBe(200);

    const result = await coordinator.call("GET", `/v1/jobs/${id}/result`, { key: client.key });
    expect(result.status).toBe(409);
    expect(result.body.error?.code).toBe("JOB_FINAL");
    expect(result.body.error?.details?.state).toBe("CANCELED");
    expect(String(result.body.error?.message)).toBe(
      "The job ended CANCELED (canceled by the client): it has no result",
    );
  });
});
