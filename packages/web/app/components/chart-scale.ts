// The y axis of a line chart: round ticks (1, 2 or 5 × 10^k apart) that read as distinct numbers,
// over a span wide enough that noise does not look like a cliff: a 0.1 TH/s drift of a 95 TH/s
// miner is drawn as the flat line it is.

export interface Scale {
  ticks: number[];
  /** Decimal places that tell the ticks apart. */
  digits: number;
}

/** The smallest span drawn around `values`: 5% of their size, and a few steps of the last digit shown. */
export function minimumSpan(min: number, max: number, digits: number): number {
  return Math.max(Math.max(Math.abs(min), Math.abs(max)) * 0.05, 4 * 10 ** -digits);
}

export function niceScale(min: number, max: number, digits: number, count = 4): Scale {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [], digits };
  const span = minimumSpan(min, max, digits);
  if (max - min < span) {
    const middle = (min + max) / 2;
    // Not below zero when every value is at or above it (power, hashrate).
    const low = min >= 0 ? Math.max(0, middle - span / 2) : middle - span / 2;
    min = low;
    max = low + span;
  }
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let value = Math.floor(min / step) * step; value <= max + step * 1e-9 && ticks.length < 50; value += step)
    ticks.push(Number(value.toPrecision(12)));
  if ((ticks.at(-1) ?? Number.NEGATIVE_INFINITY) < max)
    ticks.push(Number(((ticks.at(-1) ?? min) + step).toPrecision(12)));
  return { ticks, digits: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}
