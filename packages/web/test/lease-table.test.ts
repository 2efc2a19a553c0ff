// A job's lease table: a job a miner gave back (a prompt too long for its model) waits in the queue,
// and its page says why the lease ended, not only "FAILED".

import { describe, expect, it } from "vitest";
import type { Job } from "../app/api/coordinator.ts";
import { renderComponent } from "./support/render.ts";

const leases: NonNullable<Job["leases"]> = [
  {
    miner_id: "small-rig",
    state: "FAILED",
    attempt: 1,
    leased_at: "2026-01-01T00:00:00.000Z",
    lease_expires_at: "2026-01-01T00:02:00.000Z",
    output_sha: null,
    verdict: null,
    error: { code: "BAD_PARAMS", message: "the prompt is 60001 tokens but pithead-tiny-260 has room for 16383" },
  },
  {
    miner_id: "big-rig",
    state: "LEASED",
    attempt: 2,
    leased_at: "2026-01-01T00:00:01.000Z",
    lease_expires_at: "2026-01-01T00:02:01.000Z",
    output_sha: null,
    verdict: null,
    error: null,
  },
];

describe("the lease table", () => {
  it("says why a lease ended without a proof, next to its state", async () => {
    const html = await renderComponent("pages/jobs/lease-table.tsx", "LeaseTable", { leases });
    const rows = html.split("<tr>").slice(2);
    expect(rows[0]).toContain("FAILED");
    expect(rows[0]).toContain(
      "<code>BAD_PARAMS</code> the prompt is 60001 tokens but pithead-tiny-260 has room for 16383",
    );
    expect(rows[1]).toContain("LEASED");
    expect(rows[1]).not.toContain("lease-error");
  });
});
