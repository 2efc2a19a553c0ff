// The Jobs page under a steady stream of job events: the list, counters and balances are read
// again at least every second while events keep coming (a debounce never fired), and the live
// patches of the rows stay the size of one page however many events the tab has seen.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Job, JobEvent } from "../app/api/coordinator.ts";
import { createThrottle } from "../app/lib/throttle.ts";
import { applyPatches, foldChanges, keepNewest, type Patches, prunePatches } from "../app/pages/jobs/live-patches.ts";

const job = (id: string, state: Job["state"] = "QUEUED", at = "2026-01-01T00:00:00.000Z"): Job => ({
  id,
  state,
  workload: "llm_gen",
  params: {},
  reward: 1,
  verification: { mode: "none", replicas: 1, quorum: 1 },
  attempt: 0,
  client: "c",
  escrow: 1,
  created_at: at,
  updated_at: at,
  finished_at: null,
  start_by: null,
  output_sha: null,
  error: null,
  max_runtime_s: 60,
});
const change = (id: string, state: Job["state"], version: number, at: string): JobEvent => ({
  type: "job.state",
  job_id: id,
  state,
  previous: null,
  version,
  workload: "llm_gen",
  at,
});

describe("refreshing under steady events", () => {
  beforeEach(() => vi.useFakeTimers({ now: 0 }));
  afterEach(() => vi.useRealTimers());

  it("reads the list again about every second while an event comes every 100 ms, and once after a lone event", () => {
    const run = vi.fn();
    const throttle = createThrottle(run, { gapMs: 1000, settleMs: 250 });
    const ranAt: number[] = [];
    run.mockImplementation(() => ranAt.push(Date.now()));
    for (let elapsed = 0; elapsed < 10_000; elapsed += 100) {
      throttle.poke();
      vi.advanceTimersByTime(100);
    }
    // Steady traffic for 10 s: about ten refreshes, never two within a second, none more than ~1.25 s apart.
    expect(ranAt.length).toBeGreaterThanOrEqual(9);
    expect(ranAt[0]).toBeLessThanOrEqual(250);
    const gaps = ranAt.slice(1).map((at, index) => at - (ranAt[index] as number));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1250);

    // Quiet, then one event: one refresh shortly after it.
    vi.advanceTimersByTime(5000);
    run.mockClear();
    throttle.poke();
    vi.advanceTimersByTime(300);
    expect(run).toHaveBeenCalledTimes(1);
    throttle.cancel();
  });
});

describe("live patches of the job list", () => {
  it("keep only the rows on screen, however many jobs the stream has told of", () => {
    const onScreen = Array.from({ length: 25 }, (_, index) => job(`job-${index}`));
    let patches: Patches = new Map();
    // 20,000 events, most of them for jobs that are not on this page, a frame of 50 at a time.
    for (let frame = 0; frame < 400; frame++) {
      const pending = new Map<string, JobEvent>();
      for (let index = 0; index < 50; index++) {
        const n = frame * 50 + index;
        const id = n % 40 === 0 ? `job-${(n / 40) % 25}` : `other-${n}`;
        keepNewest(pending, change(id, "LEASED", n + 1, "2026-01-01T00:00:01.000Z"));
      }
      patches = foldChanges(patches, pending.values(), onScreen);
    }
    expect(patches.size).toBeLessThanOrEqual(onScreen.length);
    expect(applyPatches(onScreen, patches).filter((row) => row.state === "LEASED")).toHaveLength(25);
  });

  it("show a change at once and drop it when the reloaded list shows it (or the row left the page)", () => {
    const rows = [job("a"), job("b")];
    const patches = foldChanges(
      new Map(),
      [change("a", "COMPLETED", 3, "2026-01-01T00:00:05.000Z"), change("b", "LEASED", 2, "2026-01-01T00:00:04.000Z")],
      rows,
    );
    expect(applyPatches(rows, patches).map((row) => row.state)).toEqual(["COMPLETED", "LEASED"]);
    // An older event arriving late does not undo a newer one.
    expect(
      applyPatches(rows, foldChanges(patches, [change("a", "LEASED", 2, "2026-01-01T00:00:04.000Z")], rows))[0]?.state,
    ).toBe("COMPLETED");

    const reloaded = [job("a", "COMPLETED", "2026-01-01T00:00:05.000Z"), job("c")];
    const pruned = prunePatches(patches, reloaded);
    expect(pruned.size).toBe(0);
    expect(applyPatches(reloaded, pruned).map((row) => row.state)).toEqual(["COMPLETED", "QUEUED"]);
  });
});
