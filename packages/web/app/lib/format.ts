// How numbers, money and times read on the dashboard.

const integer = new Intl.NumberFormat("en-US");

export function formatInteger(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "—" : integer.format(value);
}

export function formatDecimal(value: number | string | null | undefined, digits = 1): string {
  const number = typeof value === "string" ? Number(value) : value;
  if (number === null || number === undefined || !Number.isFinite(number)) return "—";
  return number.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatUsd(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${value < 0 ? "−" : ""}$${Math.abs(value).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/**
 * "2026-11-23 05:10:31 UTC": the same on every screen whatever the browser's locale and zone, in the
 * zone the services log and sign in, and sorting as it reads.
 */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = date.toISOString();
  return `${text.slice(0, 10)} ${text.slice(11, 19)} UTC`;
}

/** "05:10:31": the time of day in UTC, for a chart's axis (which says UTC once). */
export function formatClock(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

export function formatAgo(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "never";
  const seconds = Math.round((now - new Date(iso).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return iso;
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

export function shortHash(hash: string | null | undefined, length = 12): string {
  return hash ? `${hash.slice(0, length)}…` : "—";
}

/**
 * A long id shortened so that ids still tell apart: job ids are time-ordered (UUIDv7), so ids made
 * within the same ~16 ms share their first 12 characters, and only the random end differs.
 * The full id belongs in a title (tooltip) beside it.
 */
export function shortId(id: string): string {
  return id.length <= 16 ? id : `${id.slice(0, 8)}…${id.slice(-6)}`;
}

/** "1 record", "2 records", "1,200 records" (a noun whose plural takes an "s"). */
export function plural(count: number, noun: string): string {
  return `${formatInteger(count)} ${noun}${count === 1 ? "" : "s"}`;
}

/** A figure with the unit that keeps it short: 84,568.8 TH/s reads 84.6 PH/s, 2,488,817 W 2.49 MW. */
function scaled(value: number | string | null | undefined, units: readonly string[], digits: number): string {
  const number = typeof value === "string" ? Number(value) : value;
  if (number === null || number === undefined || !Number.isFinite(number)) return "—";
  let index = 0;
  let shown = number;
  const places = () => (index === 0 ? digits : Math.max(digits, 2));
  // Compared as it will read: 999,999 W is 1.00 MW, not 1,000.00 kW.
  while (Math.abs(Number(shown.toFixed(places()))) >= 1000 && index < units.length - 1) {
    shown /= 1000;
    index++;
  }
  return `${formatDecimal(shown, places())} ${units[index]}`;
}

export function formatHashrate(ths: number | string | null | undefined): string {
  return scaled(ths, ["TH/s", "PH/s", "EH/s"], 1);
}

export function formatPower(watts: number | null | undefined): string {
  return scaled(watts, ["W", "kW", "MW", "GW"], 0);
}
