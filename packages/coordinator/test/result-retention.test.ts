// Result retention (PITHEAD_RESULT_RETENTION_DAYS): outputs are stored inline, up to 8 MiB each,
// so a coordinator running unattended would fill its disk. The sweep removes the outputs of jobs
// that ended longer ago than the retention; the job keeps its output_sha, receipts and ledger, the
// result answers 410 OUTPUT_REMOVED saying so, and the ledger says which outputs went and when.
import { describe, expect, it } from "vitest";
import { manualClock } from "./support/clock.ts";
import { completedJob, sha256, startTestCoordinator } from "./support/coordinator.ts";

const DAY = 86_400_000;

describe("result retention", () => {
  it("removes outputs of jobs ended longer ago than the retention, keeping hash, receipt and ledger", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    await using coordinator = await startTestCoordinator({ clock, config: { resultRetentionDays: 1 } });
    const client = await coordinator.client();
    const old = await completedJob(coordinator, client, "the old output");
    // A job canceled as long ago never had an output: nothing is removed, reported or shown for it.
    const canceled = String(
      (await coordinator.call("POST", "/v1/jobs", { key: client.key, body: { workload: "never_run", reward: 10 } }))
        .body.id,
    );
    expect((await coordinator.call("POST", `/v1/jobs/${canceled}/cancel`, { key: client.key })).status).toBe(200);
    clock.advance(2 * DAY);
    const recent = await completedJob(coordinator, client, "the recent output");
    // Nothing goes before a sweep: the result is still whole.
    expect((await coordinator.call("GET", `/v1/jobs/${old}/result`, { key: client.key })).body.output).toBe(
      "the old output",
    );

    const swept = await coordinator.call("POST", "/v1/admin/sweep", { key: coordinator.adminKey });
    expect(swept.body).toMatchObject({ outputs_removed: 1 });

    const gone = await coordinator.call("GET", `/v1/jobs/${old}/result`, { key: client.key });
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatchObject({
      code: "OUTPUT_REMOVED",
      details: { job_id: old, output_sha: sha256("the old output"), removed_at: "2026-01-03T00:00:00.000Z" },
    });
    expect(gone.body.error?.message).toContain("PITHEAD_RESULT_RETENTION_DAYS");
    const view = await coordinator.call("GET", `/v1/jobs/${old}`, { key: client.key });
    expect(view.body).toMatchObject({
      state: "COMPLETED",
      output_sha: sha256("the old output"),
      output_removed_at: "2026-01-03T00:00:00.000Z",
    });
    const receipt = await coordinator.call("GET", `/v1/jobs/${old}/receipt`, { key: client.key });
    expect(receipt.status).toBe(200);
    expect(receipt.body.receipt).toMatchObject({ job_id: old, output_sha: sha256("the old output") });

    const canceledView = await coordinator.call("GET", `/v1/jobs/${canceled}`, { key: client.key });
    expect(canceledView.body.state).toBe("CANCELED");
    expect(canceledView.body).not.toHaveProperty("output_removed_at");

    const kept = await coordinator.call("GET", `/v1/jobs/${recent}/result`, { key: client.key });
    expect(kept.body.output).toBe("the recent output");
    expect((await coordinator.call("GET", `/v1/jobs/${recent}`, { key: client.key })).body).not.toHaveProperty(
      "output_removed_at",
    );

    // The ledger says which outputs went; it still verifies, and a second sweep removes nothing.
    const ledger = coordinator.running.ledger;
    const removed = [];
    for await (const record of ledger.read("coordinator", { type: "coordinator.outputs.removed" }))
      removed.push(record);
    expect(removed.map((record) => record.body)).toEqual([
      { job_ids: [old], outputs: 1, ended_before: "2026-01-02T00:00:00.000Z", retention_days: 1 },
    ]);
    expect((await ledger.verify("coordinator")).ok).toBe(true);
    expect((await coordinator.call("POST", "/v1/admin/sweep", { key: coordinator.adminKey })).body).toMatchObject({
      outputs_removed: 0,
    });
  });

  it("keeps every output with a retention of 0", async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1));
    await using coordinator = await startTestCoordinator({ clock, config: { resultRetentionDays: 0 } });
    const client = await coordinator.client();
    const job = await completedJob(coordinator, client, "kept for ever");
    clock.advance(400 * DAY);
    const swept = await coordinator.call("POST", "/v1/admin/sweep", { key: coordinator.adminKey });
    expect(swept.body).toMatchObject({ outputs_removed: 0 });
    expect((await coordinator.call("GET", `/v1/jobs/${job}/result`, { key: client.key })).body.output).toBe(
      "kept for ever",
    );
  });
});
