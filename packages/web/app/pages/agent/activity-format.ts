// How the Activity panel writes latencies and rates.

import { formatDecimal } from "../../lib/format.ts";
import type { Quantile } from "./agent-traffic.ts";

/** "12 ms", "1.4 s", "> 30 s" (past the histogram's last bound), "—" without requests. */
export function formatLatency(quantile: Quantile | null): string {
  if (!quantile) return "—";
  const { seconds } = quantile;
  const text =
    seconds < 1 ? `${formatDecimal(seconds * 1000, seconds < 0.01 ? 1 : 0)} ms` : `${formatDecimal(seconds, 1)} s`;
  return quantile.atLeast ? `> ${text}` : text;
}

/** Requests a minute with one decimal; "—" before any time has passed. */
export function formatPerMinute(value: number | null): string {
  return value === null ? "—" : formatDecimal(value, 1);
}
