// /health's view of the ledger's database: down from the first cycle that could not reach it (a
// later failure does not move the time), up again at the next recorded cycle; other failures (a
// bug, a full disk, which /health reports on its own) say nothing about the database.
import { describe, expect, it } from "vitest";
import { DatabaseHealth } from "./database-health.ts";

const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });

describe("DatabaseHealth", () => {
  it("is down from the first unreachable cycle until a cycle records again", () => {
    let now = 1_000;
    const health = new DatabaseHealth(() => now);
    expect(health.downSince).toBeUndefined();
    health.cycleFailed(refused);
    now = 31_000;
    health.cycleFailed(refused);
    expect(health.downSince).toBe(1_000);
    health.cycleRecorded();
    expect(health.downSince).toBeUndefined();
  });

  it("ignores a cycle that failed for another reason", () => {
    const health = new DatabaseHealth(() => 5);
    health.cycleFailed(new Error("a bug"));
    health.cycleFailed(Object.assign(new Error("no space left on device"), { code: "ENOSPC" }));
    expect(health.downSince).toBeUndefined();
  });
});
