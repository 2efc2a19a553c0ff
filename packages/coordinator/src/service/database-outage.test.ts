import { describe, expect, it } from "vitest";
import { DatabaseOutage } from "./database-outage.ts";

const unreachable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

function tracked() {
  let store = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const outage = new DatabaseOutage({
    clock: () => store,
    wallClock: () => wall,
    log: {
      info: (obj, msg) => lines.push({ level: "info", msg, obj: obj as Record<string, unknown> }),
      warn: (obj, msg) => lines.push({ level: "warn", msg, obj: obj as Record<string, unknown> }),
    },
  });
  const step = (ms: number) => {
    store += ms;
    wall += ms;
  };
  return { outage, lines, step, now: () => store };
}

describe("DatabaseOutage", () => {
  it("logs an outage once when it begins, at most once a minute while it lasts, and once when it ends", () => {
    const { outage, lines, step } = tracked();
    for (let second = 0; second < 150; second++) {
      expect(outage.failed(unreachable, "sweep")).toBe(true);
      expect(outage.failed(unreachable, "ledger checkpoint")).toBe(true);
      step(1_000);
    }
    outage.succeeded();
    outage.succeeded();
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ["warn", expect.stringContaining("database unreachable")],
      ["warn", "database still unreachable"],
      ["warn", "database still unreachable"],
      ["info", "database reachable again"],
    ]);
    expect(lines[3]?.obj).toMatchObject({ down_s: 150 });
  });

  it("moves `since` to each failure, and ignores errors that are not the database being unreachable", () => {
    const { outage, lines, step, now } = tracked();
    const started = now();
    expect(outage.since).toBe(started);
    expect(outage.failed(new Error("UNIQUE constraint failed"), "sweep")).toBe(false);
    expect(outage.since).toBe(started);
    step(5_000);
    outage.failed(unreachable, "heartbeat");
    expect(outage.since).toBe(now());
    outage.succeeded();
    step(5_000);
    expect(outage.since).toBe(now() - 5_000);
    expect(lines).toHaveLength(2);
  });
});
