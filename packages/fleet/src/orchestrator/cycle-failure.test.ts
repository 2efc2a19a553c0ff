import { describe, expect, it } from "vitest";
import { cycleFailure } from "./cycle-failure.ts";

describe("why a cycle failed, as the loop's log says it", () => {
  it("a ledger database that cannot be reached (PostgreSQL restarting) is a known outage, not an unexpected bug", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    const shutdown = Object.assign(new Error("terminating connection due to administrator command"), {
      code: "57P01",
    });
    for (const error of [refused, shutdown, new Error("Connection terminated unexpectedly")]) {
      const failure = cycleFailure(error);
      expect(failure).toMatchObject({ known: true, code: "DATABASE_UNAVAILABLE" });
      expect(failure.reason).toContain("cycles resume once it answers");
    }
    expect(cycleFailure(new Error("boom"))).toMatchObject({ known: false, code: "UNEXPECTED" });
  });
});
