// A record's `at` is the instant the caller stamped, as 24 characters of ISO-8601 UTC. Appends of one
// instant share the formatted text (a fleet cycle stamps its 30,000 records with its start time):
// what is shared is the instant's text, never a Date object's, and bad dates are refused as before.
import { describe, expect, it } from "vitest";
import { LedgerValueError } from "../src/index.ts";
import { formatAt } from "../src/record.ts";

describe("a record's at", () => {
  it("is each Date's own instant, also when a batch repeats one and when a Date is changed in place", () => {
    const start = Date.UTC(2026, 0, 1, 12);
    const at = new Date(start);
    expect(formatAt(at)).toBe("2026-01-01T12:00:00.000Z");
    expect(formatAt(at)).toBe("2026-01-01T12:00:00.000Z");
    expect(formatAt(new Date(start))).toBe("2026-01-01T12:00:00.000Z");
    expect(formatAt(new Date(start + 1))).toBe("2026-01-01T12:00:00.001Z");
    at.setTime(start + 60_000);
    expect(formatAt(at)).toBe("2026-01-01T12:01:00.000Z");
  });

  it("refuses a Date that is not valid or out of range, right after a valid one too", () => {
    expect(formatAt(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
    expect(() => formatAt(new Date(Number.NaN), "entries[2].at")).toThrow(LedgerValueError);
    expect(() => formatAt(new Date(Number.NaN), "entries[2].at")).toThrow(/entries\[2\]\.at: must be a valid Date/);
    expect(() => formatAt(new Date(Date.UTC(10_000, 0, 1)))).toThrow(/year must be between 0000 and 9999/);
    expect(() => formatAt("2026-01-01T00:00:00.000Z" as unknown as Date)).toThrow(/must be a valid Date/);
  });
});
