// --workload across many of the coordinator's pages: every matching job once, newest first, and a
// list cut short by the page cap goes on from its cursor. The pages are the coordinator's (newest
// first, a cursor is "older than this seq"), kept in memory.
import type { JobView } from "@pithead/coordinator";
import { describe, expect, it } from "vitest";
import { type FetchJobPage, jobPage } from "./job-pages.ts";

/** 1000 jobs, seq 1..1000; every 7th is a torch_bench, the rest llm_gen. */
const jobs = Array.from({ length: 1000 }, (_, i) => ({
  seq: i + 1,
  view: { id: `job-${i + 1}`, workload: (i + 1) % 7 === 0 ? "torch_bench" : "llm_gen" } as JobView,
}));

function coordinatorPages(): { fetchPage: FetchJobPage } {
  const fetchPage: FetchJobPage = async ({ limit, cursor }) => {
    const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(cursor);
    const older = jobs.filter((job) => job.seq < before).reverse();
    const page = older.slice(0, limit);
    const last = page.at(-1);
    return {
      jobs: page.map((job) => job.view),
      next_cursor: older.length > limit && last ? String(last.seq) : null,
    };
  };
  return { fetchPage };
}

const torchIds = jobs
  .filter((job) => job.view.workload === "torch_bench")
  .map((job) => job.view.id)
  .reverse();

describe("a --workload list", () => {
  it("reads on through the coordinator's pages and hands on a cursor right after its last job", async () => {
    const coordinator = coordinatorPages();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await jobPage(coordinator.fetchPage, { workload: "torch_bench", limit: 30, cursor });
      seen.push(...page.jobs.map((job) => job.id));
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    expect(seen).toEqual(torchIds);
  });

  it("stops after its page cap with the jobs found so far and a cursor to go on from", async () => {
    // One page (200 jobs, the size asked for) holds 28 torch_bench: fewer than asked for, more to read.
    const capped = await jobPage(coordinatorPages().fetchPage, { workload: "torch_bench", limit: 200 }, 1);
    expect(capped.jobs).toHaveLength(28);
    expect(capped.jobs.map((job) => job.id)).toEqual(torchIds.slice(0, capped.jobs.length));
    expect(capped.next_cursor).not.toBeNull();
    const rest = await jobPage(coordinatorPages().fetchPage, {
      workload: "torch_bench",
      limit: 200,
      cursor: capped.next_cursor ?? undefined,
    });
    expect([...capped.jobs, ...rest.jobs].map((job) => job.id)).toEqual(torchIds);
  });
});
