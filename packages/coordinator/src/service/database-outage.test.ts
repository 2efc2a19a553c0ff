import { describe, expect, it } from "vitest";
import { DatabaseOutage, DISK_FULL, type OutageKind } from "./database-outage.ts";

const unreachable = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

function tracked(kind?: OutageKind) {
  let store = 1_000;
  let wall = Date.UTC(2026, 0, 1);
  const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
  const outage = new DatabaseOutage({
    ...(kind ? { kind } : {}),
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

  it("a full disk: logged once as it begins, once a minute with the writes refused, not ended by writes that still fit while others fail, once when they stop failing", () => {
    const { outage, lines, step } = tracked(DISK_FULL);
    const full = Object.assign(new Error("database or disk is full"), { code: "ERR_SQLITE_ERROR", errcode: 13 });
    expect(outage.failed(unreachable, "sweep")).toBe(false);
    for (let second = 0; second < 150; second++) {
      for (let request = 0; request < 15; request++) expect(outage.failed(full, "submitJob")).toBe(true);
      // A heartbeat's update fits in the pages the database already has.
      outage.succeeded();
      step(1_000);
    }
    expect(outage.down).toBe(true);
    for (let second = 0; second < 40; second++) {
      outage.succeeded();
      step(1_000);
    }
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      ["warn", expect.stringContaining("the disk is full")],
      ["warn", "the disk is still full"],
      ["warn", "the disk is still full"],
      ["info", "the disk has room again: writes succeed"],
    ]);
    expect(lines[1]?.obj).toMatchObject({ failures: 60 * 15 + 1 });
    expect(outage.down).toBe(false);
  });
});
