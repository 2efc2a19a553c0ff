// When a credentials file says it was signed: its Timestamp line, Python's local isoformat plus
// the zone's short name ("2026-11-23T03:15:15.123000 (CET)"). The line is not covered by the
// signature, so it is shown for what it is, with its age where the zone tells the instant: UTC,
// a numeric zone, an explicit offset, or this machine's own zone.

import { localZoneName } from "./zone-name.ts";

export interface SignedAt {
  /** The line as written. */
  text: string;
  /** The instant, where the zone makes it known. */
  at?: Date;
  /** Seconds from then to `now` (negative: a clock ahead of ours). */
  ageS?: number;
}

const STAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-]\d{2}:?\d{2}|Z)?\s*(?:\((.+)\))?$/;

/** Minutes east of UTC for "+05:30", "-03", "+0100", "Z", "UTC", "GMT"; undefined for a name. */
function offsetOf(zone: string): number | undefined {
  if (/^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const match = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return match[1] === "-" ? -minutes : minutes;
}

export function signedAtOf(
  timestamp: string | undefined,
  now: Date,
  zoneName: (date: Date) => string = (date) => localZoneName(date),
): SignedAt | undefined {
  if (timestamp === undefined) return undefined;
  const match = STAMP.exec(timestamp.trim());
  if (!match) return { text: timestamp };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as number[];
  const ms = Math.floor(Number((match[7] ?? "0").padEnd(6, "0")) / 1000);
  const zone = match[8] ?? match[9];
  const offset = zone === undefined ? undefined : offsetOf(zone);
  let at: Date | undefined;
  if (offset !== undefined) {
    at = new Date(Date.UTC(year as number, (month as number) - 1, day, hour, minute, second, ms) - offset * 60_000);
  } else if (zone !== undefined) {
    // A zone name is only this machine's to read: the same name here means the same local clock.
    const local = new Date(year as number, (month as number) - 1, day, hour, minute, second, ms);
    if (zoneName(local) === zone) at = local;
  }
  if (at === undefined || Number.isNaN(at.getTime())) return { text: timestamp };
  return { text: timestamp, at, ageS: Math.round((now.getTime() - at.getTime()) / 1000) };
}

/** "3 days", "5 hours", "42 seconds": the largest whole unit. */
export function describeAge(seconds: number): string {
  const units: [number, string][] = [
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ];
  const size = Math.abs(seconds);
  const [unit, name] = units.find(([length]) => size >= length) ?? [1, "second"];
  const count = Math.floor(size / unit);
  const text = `${count} ${name}${count === 1 ? "" : "s"}`;
  return seconds < 0 ? `${text} in the future` : `${text} ago`;
}
