import { describe, expect, it } from "vitest";
import { describeAge, signedAtOf } from "./signed-at.ts";

describe("when a credentials file says it was signed", () => {
  const now = new Date("2026-11-23T12:00:00Z");

  it("knows the instant for UTC, numeric zones and offsets, and gives its age", () => {
    expect(signedAtOf("2026-11-21T12:00:00 (UTC)", now)).toMatchObject({ ageS: 2 * 86_400 });
    expect(signedAtOf("2026-11-23T08:59:58.500000 (-03)", now)).toMatchObject({ ageS: 2 });
    expect(signedAtOf("2026-11-23T17:00:00+05:30", now)?.at?.toISOString()).toBe("2026-11-23T11:30:00.000Z");
  });

  it("reads a zone name only when it is this machine's, and keeps an unreadable line as text", () => {
    expect(signedAtOf("2026-11-23T11:00:00 (CET)", now, () => "CET")?.ageS).toBeDefined();
    expect(signedAtOf("2026-11-23T11:00:00 (CET)", now, () => "IST")).toEqual({
      text: "2026-11-23T11:00:00 (CET)",
    });
    expect(signedAtOf("yesterday", now)).toEqual({ text: "yesterday" });
    expect(signedAtOf(undefined, now)).toBeUndefined();
  });

  it("says the age in its largest whole unit", () => {
    expect(describeAge(2 * 86_400 + 5)).toBe("2 days ago");
    expect(describeAge(1)).toBe("1 second ago");
    expect(describeAge(-7200)).toBe("2 hours in the future");
  });
});
