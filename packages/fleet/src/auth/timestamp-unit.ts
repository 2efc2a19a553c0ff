// X-Pithead-Timestamp is milliseconds since the epoch. A client that sends seconds (or micro- or
// nanoseconds) otherwise hears only that its clock is decades away: this names the unit it used.

const units = [
  { name: "seconds", toMs: 1_000 },
  { name: "microseconds", toMs: 1e-3 },
  { name: "nanoseconds", toMs: 1e-6 },
] as const;

/** Within a year of the server's clock once converted: a wrong unit, not a wrong clock. */
const CLOSE_MS = 366 * 24 * 3_600_000;

/** The unit a timestamp that is not plausible milliseconds looks like, if any. */
export function misreadTimestampUnit(timestamp: string, nowMs: number): string | undefined {
  const value = Number(timestamp);
  if (!Number.isFinite(value) || Math.abs(value - nowMs) <= CLOSE_MS) return undefined;
  return units.find((unit) => Math.abs(value * unit.toMs - nowMs) <= CLOSE_MS)?.name;
}

/** The hint for a timestamp sent in `unit`. */
export function timestampUnitHint(header: string, timestamp: string, unit: string): string {
  return `${header} ${timestamp} looks like ${unit} since the epoch: it must be milliseconds since the epoch (13 digits today, as Date.now() gives)`;
}
