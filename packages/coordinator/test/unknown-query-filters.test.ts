// A filter the route does not know was dropped and the request answered without it:
// /v1/jobs?workloads=llm_gen listed every job, /v1/wallet/balance?adress=w2 showed the caller's own
// wallet, /v1/jobs/{id}/receipt?miner=rig-2 the first replica's receipt. Each is now 422 naming it.
import { describe, expect, it } from "vitest";
import { completedJob, startTestCoordinator } from "./support/coordinator.ts";

describe("a query parameter a filtering route does not know", () => {
  it("is 422 naming it, on the job list, the receipt, the balance and the statement", async () => {
    await using coordinator = await startTestCoordinator();
    const client = await coordinator.client(1_000);
    const id = await completedJob(coordinator, client, "out");
    for (const [path, field] of [
      ["/v1/jobs?workloads=llm_gen", "querystring.workloads"],
      ["/v1/jobs?sate=QUEUED&limit=5", "querystring.sate"],
      [`/v1/jobs/${id}/receipt?miner=rig-2`, "querystring.miner"],
      ["/v1/wallet/balance?adress=someone-else", "querystring.adress"],
      ["/v1/wallet/statement?adress=someone-else", "querystring.adress"],
    ]) {
      const reply = await coordinator.call("GET", path ?? "", { key: client.key });
      expect(reply.status, path).toBe(422);
      expect(reply.body.error?.details?.field, path).toBe(field);
      expect(String(reply.body.error?.message), path).toBe(`${field} is not a known field (check its spelling)`);
    }
    // The ones it knows still filter.
    expect((await coordinator.call("GET", "/v1/jobs?state=COMPLETED&limit=5", { key: client.key })).status).toBe(200);
    const listed = async (workload: string) => {
      const reply = await coordinator.call("GET", `/v1/jobs?workload=${workload}`, { key: client.key });
      return (reply.body.jobs as unknown as { id: string }[]).map((job) => job.id);
    };
    expect(await listed("keep_or_drop")).toEqual([id]);
    expect(await listed("llm_gen")).toEqual([]);
    expect((await coordinator.call("GET", `/v1/jobs/${id}/receipt`, { key: client.key })).status).toBe(200);
    expect((await coordinator.call("GET", "/v1/wallet/balance", { key: client.key })).body.balance).toBe(990);
  });
});
