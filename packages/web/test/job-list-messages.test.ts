// What the job list, a job's page and every timestamp say, as a person reads them. Before: a
// filtered empty list said "No jobs yet. Submit one with the form."; a canceled job's state read
// "CANCELED CANCELED" and its page "CANCELED: canceled by the client" twice; times read
// "23/11/2026, 05:10:31" (day first, the browser's zone, unnamed).

import { describe, expect, it } from "vitest";
import type { Job } from "../app/api/coordinator.ts";
import { formatClock, formatTime } from "../app/lib/format.ts";
import { errorText } from "../app/pages/jobs/job-error.ts";
import { renderComponent } from "./support/render.ts";

const canceled = {
  id: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b",
  workload: "torch_bench",
  state: "CANCELED",
  reward: 1,
  attempt: 0,
  created_at: "2026-11-23T05:10:31.000Z",
  finished_at: "2026-11-23T05:11:00.000Z",
  error: { code: "CANCELED", message: "canceled by the client" },
} as unknown as Job;
const failed = {
  ...canceled,
  id: "019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5c",
  state: "FAILED",
  error: { code: "WORKLOAD_FAILED", message: "exit 1" },
} as unknown as Job;

const text = (html: string) => html.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

describe("the job list", () => {
  it("says no jobs in the state filtered on, not 'no jobs yet'", async () => {
    const empty = await renderComponent("pages/jobs/job-table.tsx", "JobTable", { jobs: [], state: "FAILED" });
    expect(text(empty)).toContain("No failed jobs.");
    expect(empty).not.toContain("No jobs yet");
    const none = await renderComponent("pages/jobs/job-table.tsx", "JobTable", { jobs: [], state: "" });
    expect(text(none)).toContain("No jobs yet. Submit one with the form.");
  });

  it("says CANCELED once in a canceled job's state cell, and a failure's code beside its state", async () => {
    const html = text(await renderComponent("pages/jobs/job-table.tsx", "JobTable", { jobs: [canceled, failed] }));
    expect(html.split("CANCELED").length - 1).toBe(1);
    expect(html).toContain("FAILED WORKLOAD_FAILED");
  });
});

describe("a job's page", () => {
  it("gives why a canceled job ended once, without repeating its state as a code", () => {
    expect(errorText(canceled)).toBe("canceled by the client");
    expect(errorText(failed)).toBe("WORKLOAD_FAILED: exit 1");
  });
});

describe("timestamps", () => {
  it("read 2026-11-23 05:10:31 UTC whatever the browser's locale and zone", () => {
    expect(formatTime("2026-11-23T05:10:31.123Z")).toBe("2026-11-23 05:10:31 UTC");
    expect(formatTime("2026-11-23T07:10:31+02:00")).toBe("2026-11-23 05:10:31 UTC");
    expect(formatTime(null)).toBe("—");
    expect(formatClock(Date.UTC(2026, 10, 23, 5, 10, 31))).toBe("05:10:31");
  });
});
