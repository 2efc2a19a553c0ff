// The Jobs table's shortened ids. Job ids are time-ordered (UUIDv7): jobs created within ~16 ms
// share their first 12 characters, which is all the table showed ("01a205d1-27c" three times).

import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Job } from "../app/api/coordinator.ts";
import { renderComponent } from "./support/render.ts";

/** Three ids as the coordinator makes them (core/ids.ts) in the same millisecond. */
function sameMillisecondIds(count: number): string[] {
  const ms = (0x01a205d127c5).toString(16).padStart(12, "0");
  return Array.from({ length: count }, () => `${ms.slice(0, 8)}-${ms.slice(8)}-7${randomUUID().slice(15)}`);
}

describe("job ids in the Jobs table", () => {
  it("tell jobs created together apart, with the full id in a tooltip", async () => {
    const ids = sameMillisecondIds(3);
    const jobs = ids.map(
      (id) =>
        ({
          id,
          workload: "llm_gen",
          state: "QUEUED",
          reward: 1,
          attempts: 0,
          created_at: new Date().toISOString(),
        }) as unknown as Job,
    );
    const html = await renderComponent("pages/jobs/job-table.tsx", "JobTable", { jobs });
    const shown = [...html.matchAll(/<code title="([^"]+)">([^<]+)<\/code>/g)].map((m) => ({
      title: m[1] ?? "",
      text: m[2] ?? "",
    }));
    expect(shown.map((entry) => entry.title)).toEqual(ids);
    expect(new Set(shown.map((entry) => entry.text)).size).toBe(3);
    for (const { title, text } of shown) {
      expect(text.length).toBeLessThan(title.length);
      expect(text.startsWith(title.slice(0, 8))).toBe(true);
      expect(title.endsWith(text.slice(-6))).toBe(true);
    }
  });
});
