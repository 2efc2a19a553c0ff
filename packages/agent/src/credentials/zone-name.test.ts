import { existsSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { localZoneName, parsePosixZone } from "./zone-name.ts";

const winter = new Date("2026-01-15T12:00:00Z");
const summer = new Date("2026-07-01T12:00:00Z");
const saved = process.env.TZ;
afterEach(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

/** The zone's name at `date`, with the process in that zone (Node applies a TZ change at once). */
function nameIn(tz: string, date: Date): string {
  process.env.TZ = tz;
  return localZoneName(date, tz);
}

describe("the credentials timestamp's zone name (Python's tzname())", () => {
  it("reads POSIX TZ strings as the tz database writes them", () => {
    expect(parsePosixZone("IST-5:30")).toEqual({ std: "IST", stdOffset: 330, dst: undefined });
    expect(parsePosixZone("CET-1CEST,M3.5.0,M10.5.0/3")).toEqual({ std: "CET", stdOffset: 60, dst: "CEST" });
    expect(parsePosixZone("<-03>3")).toEqual({ std: "-03", stdOffset: -180, dst: undefined });
    expect(parsePosixZone("UTC0")).toEqual({ std: "UTC", stdOffset: 0, dst: undefined });
  });

  it.skipIf(!existsSync("/usr/share/zoneinfo/Asia/Kolkata"))(
    "names zones as Python does, not Intl's GMT+5:30: IST, CET/CEST, EST/EDT, -03, UTC",
    () => {
      expect(nameIn("Asia/Kolkata", winter)).toBe("IST");
      expect(nameIn("Europe/Berlin", winter)).toBe("CET");
      expect(nameIn("Europe/Berlin", summer)).toBe("CEST");
      expect(nameIn("America/New_York", winter)).toBe("EST");
      expect(nameIn("America/New_York", summer)).toBe("EDT");
      expect(nameIn("America/Sao_Paulo", summer)).toBe("-03");
      expect(nameIn("UTC", summer)).toBe("UTC");
    },
  );

  it("a TZ that is a POSIX string rather than a zone file still gives its names", () => {
    expect(nameIn("XST-7", winter)).toBe("XST");
  });
});
