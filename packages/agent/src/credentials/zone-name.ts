// The local time zone's abbreviation as Python's tzname() gives it ("IST", "CET"/"CEST", "-03"),
// for the credentials file's Timestamp line. Intl's short names are CLDR's and only US zones get
// letters there ("GMT+5:30" for India, "GMT+1" for Berlin); Python reads the tz database, so this
// does too: the POSIX TZ string at the end of the zone's TZif file names standard and summer time.
import { readFileSync } from "node:fs";

const ZONEINFO = "/usr/share/zoneinfo";

interface PosixZone {
  std: string;
  /** Minutes east of UTC in standard time. */
  stdOffset: number;
  dst: string | undefined;
}

/** `CET-1CEST,M3.5.0,M10.5.0/3`, `IST-5:30`, `<-03>3`, `UTC0` → names and the standard offset. */
export function parsePosixZone(text: string): PosixZone | undefined {
  const match = /^(<[^>]+>|[A-Za-z]{3,})([+-]?\d{1,2}(?::\d{2}){0,2})(<[^>]+>|[A-Za-z]{3,})?/.exec(text);
  if (!match?.[1] || !match[2]) return undefined;
  const [hours = "0", minutes = "0"] = match[2].replace(/^[+-]/, "").split(":");
  const west = (Number(hours) * 60 + Number(minutes)) * (match[2].startsWith("-") ? -1 : 1);
  const bare = (name: string) => name.replace(/^<|>$/g, "");
  return { std: bare(match[1]), stdOffset: west === 0 ? 0 : -west, dst: match[3] ? bare(match[3]) : undefined };
}

/** The POSIX TZ string that ends a TZif file (version 2 and later), if any. */
function tzifFooter(file: Buffer): string | undefined {
  if (file.subarray(0, 4).toString("latin1") !== "TZif" || file.at(-1) !== 0x0a) return undefined;
  const start = file.lastIndexOf(0x0a, file.length - 2);
  return start < 0 ? undefined : file.subarray(start + 1, file.length - 1).toString("latin1");
}

function zoneFromDatabase(tz: string | undefined): PosixZone | undefined {
  const name = tz?.replace(/^:/, "");
  const path =
    name === undefined || name === "" ? "/etc/localtime" : name.startsWith("/") ? name : `${ZONEINFO}/${name}`;
  try {
    if (name?.includes("..")) throw new Error("not a zone name");
    const footer = tzifFooter(readFileSync(path));
    if (footer) return parsePosixZone(footer);
  } catch {
    // Not a zone file: TZ may be a POSIX TZ string itself ("EST5EDT,M3.2.0,M11.1.0").
  }
  return name ? parsePosixZone(name) : undefined;
}

function intlName(date: Date): string {
  const part = new Intl.DateTimeFormat("en-US", { timeZoneName: "short" })
    .formatToParts(date)
    .find((p) => p.type === "timeZoneName");
  return part?.value ?? "UTC";
}

/** The short name of the local time zone at `date`, as Python's `datetime.astimezone().tzname()`. */
export function localZoneName(date: Date, tz: string | undefined = process.env.TZ): string {
  const zone = zoneFromDatabase(tz);
  if (!zone) return intlName(date);
  const offset = -date.getTimezoneOffset();
  return offset === zone.stdOffset || zone.dst === undefined ? zone.std : zone.dst;
}
