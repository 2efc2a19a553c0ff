// Mining revenue and cost, exactly, in integers:
//   BTC/day = H × 86,400 × (subsidy + fees per block) / (difficulty × 2^32) × (1 − pool fee)
//   cost/day = watts / 1000 × 24 × energy price per kWh
// H in hashes per second. Revenue is kept in millisatoshi (a 1 TH/s machine earns tens of sats
// a day, so whole sats would round away 1–2 %), money in micro-dollars; all floors.

import { floorDiv, formatRational, parseDecimal, type Rational } from "../decimal.ts";

export const initialSubsidySat = 5_000_000_000n;
export const halvingInterval = 210_000;
/** The subsidy since block 840,000 (April 2024), used when the block height is unknown. */
export const currentEraSubsidySat = 312_500_000n;

export function blockSubsidySat(height: number | null): bigint {
  if (height === null || !Number.isSafeInteger(height) || height < 0) return currentEraSubsidySat;
  const halvings = Math.floor(height / halvingInterval);
  return halvings >= 64 ? 0n : initialSubsidySat >> BigInt(halvings);
}

export interface Economics {
  /** BTC price in micro-dollars per BTC. */
  microUsdPerBtc: number;
  /** Network difficulty as a decimal string. */
  difficulty: string;
  /** Trailing average of transaction fees per block, satoshi. */
  feesPerBlockSat: number;
  height: number | null;
  /** Energy price, micro-dollars per kWh. */
  energyMicroUsdPerKwh: number;
  /** Pool fee in parts per million (2 % = 20,000). */
  poolFeePpm: number;
}

export interface Profit {
  revenueMsatPerDay: number;
  /** Revenue in BTC per day, a decimal string with 11 decimals (millisatoshi). */
  revenueBtcPerDay: string;
  revenueMicroUsdPerDay: number;
  costMicroUsdPerDay: number;
  marginMicroUsdPerDay: number;
  /** Revenue of 1 TH/s for a day, micro-dollars (the "hashprice"). */
  hashpriceMicroUsdPerThDay: number;
}

const secondsPerDay = 86_400n;
const twoTo32 = 4_294_967_296n;
const msatPerBtc = 100_000_000_000n;
const million = 1_000_000n;

/** Millisatoshi per day for `ths` TH/s, as an exact rational. */
export function revenueMsatRational(
  ths: Rational,
  economics: Omit<Economics, "energyMicroUsdPerKwh" | "microUsdPerBtc">,
): Rational {
  const perTh = msatPerThDay(economics);
  return { num: ths.num * perTh.num, den: ths.den * perTh.den };
}

// One rate per set of economics: a cycle computes thousands of profits from the same figures.
const perThRates = new WeakMap<object, Rational>();

/** Millisatoshi per TH/s per day: 1e12 H/s × 86400 × reward × (1 − pool fee) / (difficulty × 2^32). */
function msatPerThDay(economics: Omit<Economics, "energyMicroUsdPerKwh" | "microUsdPerBtc">): Rational {
  let rate = perThRates.get(economics);
  if (rate === undefined) {
    const difficulty = parseDecimal(economics.difficulty);
    if (!difficulty || difficulty.num <= 0n)
      throw new RangeError(`difficulty must be a positive decimal, got '${economics.difficulty}'`);
    const rewardMsat =
      (blockSubsidySat(economics.height) + BigInt(Math.max(0, Math.round(economics.feesPerBlockSat)))) * 1000n;
    const keep = million - BigInt(Math.min(1_000_000, Math.max(0, Math.round(economics.poolFeePpm))));
    rate = {
      num: 1_000_000_000_000n * secondsPerDay * rewardMsat * keep * difficulty.den,
      den: million * difficulty.num * twoTo32,
    };
    perThRates.set(economics, rate);
  }
  return rate;
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`${what} is out of the exact integer range`);
  }
  return Number(value);
}

/** Daily revenue, cost and margin of a machine hashing at `hashrateThs` and drawing `powerW`. */
export function computeProfit(hashrateThs: string, powerW: number, economics: Economics): Profit {
  const ths = parseDecimal(hashrateThs);
  if (!ths) throw new RangeError(`hashrate must be a decimal string, got '${hashrateThs}'`);
  const clamped = ths.num < 0n ? { num: 0n, den: 1n } : ths;
  const msat = revenueMsatRational(clamped, economics);
  const price = BigInt(Math.round(economics.microUsdPerBtc));
  const revenueMicroUsd = floorDiv(msat.num * price, msat.den * msatPerBtc);
  const watts = BigInt(Math.max(0, Math.round(powerW)));
  const cost = floorDiv(watts * 24n * BigInt(Math.round(economics.energyMicroUsdPerKwh)), 1000n);
  return {
    revenueMsatPerDay: toSafeNumber(floorDiv(msat.num, msat.den), "revenue"),
    revenueBtcPerDay: formatRational({ num: msat.num, den: msat.den * msatPerBtc }, 11),
    revenueMicroUsdPerDay: toSafeNumber(revenueMicroUsd, "revenue"),
    costMicroUsdPerDay: toSafeNumber(cost, "cost"),
    marginMicroUsdPerDay: toSafeNumber(revenueMicroUsd - cost, "margin"),
    hashpriceMicroUsdPerThDay: hashpriceOf(economics),
  };
}

// One hashprice per set of economics (a cycle computes thousands of profits from the same one).
const hashprices = new WeakMap<Economics, number>();

function hashpriceOf(economics: Economics): number {
  let value = hashprices.get(economics);
  if (value === undefined) {
    const one = revenueMsatRational({ num: 1n, den: 1n }, economics);
    value = toSafeNumber(
      floorDiv(one.num * BigInt(Math.round(economics.microUsdPerBtc)), one.den * msatPerBtc),
      "hashprice",
    );
    hashprices.set(economics, value);
  }
  return value;
}

/** Parses a dollar amount like "0.065" into micro-dollars. */
export function microUsd(dollars: string | number): number | undefined {
  const value = parseDecimal(dollars);
  if (!value) return undefined;
  const micro = floorDiv(value.num * million * 2n + value.den, value.den * 2n); // half up
  return micro > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(micro);
}
