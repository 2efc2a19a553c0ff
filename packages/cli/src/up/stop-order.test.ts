import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type Closer,
  minerStopOutcome,
  minerStopTimeoutMs,
  STOP_TIMEOUT_MS,
  type Step,
  stopInOrder,
} from "./stop-order.ts";

/** The spinner, as lines. */
function recordingStep(lines: string[]): Step {
  return (text) => {
    lines.push(`… ${text}`);
    return {
      succeed: (done) => lines.push(`✔ ${done ?? text}`),
      fail: (why) => lines.push(`✖ ${why ?? text}`),
      update: () => {},
    };
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("stopping pithead up", () => {
  it("gives the miner its whole grace period: a job given back at the end of it reaches the coordinator before it closes", async () => {
    const graceSecs = 30; // the miner's default SHUTDOWN_GRACE_SECS
    const events: string[] = [];
    const closers: Closer[] = [
      { name: "coordinator", close: async () => events.push("coordinator closed") },
      {
        name: "miner",
        // Its running job does not finish: at the end of the grace period it is given back.
        close: () =>
          new Promise<void>((resolve) =>
            setTimeout(
              () => {
                events.push("miner gave the job back");
                resolve();
              },
              graceSecs * 1000 + 1_000,
            ),
          ),
        timeoutMs: minerStopTimeoutMs(graceSecs),
      },
    ];
    const lines: string[] = [];
    const stopped = stopInOrder(closers, recordingStep(lines));
    await vi.runAllTimersAsync();
    await stopped;
    expect(events).toEqual(["miner gave the job back", "coordinator closed"]);
    expect(lines.filter((line) => line.startsWith("✔ miner stopped"))).toHaveLength(1);
    expect(lines.some((line) => line.includes("did not stop"))).toBe(false);
  });

  it("stops in order (miner, dashboard, services, coordinator last) and goes on past a service that hangs", async () => {
    const events: string[] = [];
    const closer = (name: Closer["name"], close = async () => void events.push(name)): Closer => ({ name, close });
    const lines: string[] = [];
    const stopped = stopInOrder(
      [
        closer("coordinator"),
        closer("agent", () => new Promise(() => {})),
        closer("fleet"),
        closer("dashboard"),
        closer("miner"),
      ],
      recordingStep(lines),
    );
    await vi.runAllTimersAsync();
    await stopped;
    expect(events).toEqual(["miner", "dashboard", "fleet", "coordinator"]);
    expect(lines).toContain(`✖ the agent did not stop within ${STOP_TIMEOUT_MS / 1000} s; going on`);
  });

  it("says while the miner stops how long a running job may take", async () => {
    const lines: string[] = [];
    const stopped = stopInOrder(
      [
        {
          name: "miner",
          close: async () => {},
          note: () => "a running job gets up to 30 s to finish, then is given back",
        },
      ],
      recordingStep(lines),
    );
    await vi.runAllTimersAsync();
    await stopped;
    expect(lines[0]).toBe("… stopping the miner (a running job gets up to 30 s to finish, then is given back)");
  });

  it("says once the miner stopped what became of its work: jobs given back, results kept for the next start", async () => {
    const lines: string[] = [];
    let stopped = { gaveBack: 0, pending: 0 };
    const stopped$ = stopInOrder(
      [
        {
          name: "miner",
          close: async () => {
            stopped = { gaveBack: 1, pending: 2 };
          },
          outcome: () => minerStopOutcome(stopped, "/data/miner"),
        },
      ],
      recordingStep(lines),
    );
    await vi.runAllTimersAsync();
    await stopped$;
    expect(lines.at(-1)).toBe(
      "✔ miner stopped (0.0 s): 1 running job given back to the coordinator; 2 results not yet delivered, kept in /data/miner and sent at the next start",
    );
    expect(minerStopOutcome({ gaveBack: 0, pending: 0 }, "/data/miner")).toBeUndefined();
    expect(minerStopOutcome({ gaveBack: 3, pending: 0 }, "/data/miner")).toBe(
      "3 running jobs given back to the coordinator",
    );
  });
});
