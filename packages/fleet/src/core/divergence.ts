// Divergence checks: is the evidence good enough to act on? Each finding names what was
// observed and the limit it broke. Blocking findings end a miner's cycle at the evidence gate
// (except over-temperature on a miner that answered, which the rules turn into a STOP).

import { findModel } from "../models.ts";
import { marketProblems } from "./market-plausibility.ts";
import type { MinerMemory } from "./memory.ts";
import { maxMinerPowerW, maxMinerThs } from "./physical-bounds.ts";
import type { Policy } from "./policy.ts";
import type { DivergenceCode, Json, NetworkBody, PriceBody, TelemetryBody } from "./records.ts";

export interface Divergence {
  minerId: string | null;
  code: DivergenceCode;
  blocking: boolean;
  detail: string;
  observed: Json;
  limit: Json;
}

function found(
  minerId: string | null,
  code: DivergenceCode,
  blocking: boolean,
  detail: string,
  observed: Json,
  limit: Json,
): Divergence {
  return { minerId, code, blocking, detail, observed, limit };
}

export interface MinerCheckInput {
  minerId: string;
  body: TelemetryBody;
  before: MinerMemory;
  after: MinerMemory;
  nowMs: number;
  policy: Policy;
}

export function minerDivergences(input: MinerCheckInput): Divergence[] {
  const { minerId, body, before, after, nowMs, policy } = input;
  const out: Divergence[] = [];
  if (!body.ok) {
    if (after.failedPolls >= policy.lostCommsPolls) {
      out.push(
        found(
          minerId,
          "LOST_COMMS",
          true,
          `${after.failedPolls} failed polls in a row (last: ${body.reason})`,
          after.failedPolls,
          policy.lostCommsPolls,
        ),
      );
    }
    const age = after.lastGood ? nowMs - after.lastGood.atMs : null;
    if (age === null || age > policy.staleTelemetryMs) {
      out.push(
        found(
          minerId,
          "STALE_TELEMETRY",
          true,
          age === null ? "no telemetry has ever been received" : `latest telemetry is ${Math.round(age / 1000)} s old`,
          age,
          policy.staleTelemetryMs,
        ),
      );
    }
    return out;
  }

  const t = body.telemetry;
  const ths = Number(t.hashrateThs);
  const nameplate = findModel(t.model)?.nameplateThs ?? (t.expectedThs === null ? null : Number(t.expectedThs));
  const nameplateLimit = nameplate !== null && nameplate > 0 ? nameplate * policy.maxHashrateFactor : null;
  if (!(ths >= 0))
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_HASHRATE",
        true,
        Number.isNaN(ths)
          ? `hashrate ${JSON.stringify(t.hashrateThs)} is not a number`
          : `negative hashrate ${t.hashrateThs} TH/s`,
        t.hashrateThs,
        "0",
      ),
    );
  else if (nameplateLimit !== null && ths > nameplateLimit && nameplateLimit <= maxMinerThs) {
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_HASHRATE",
        true,
        `hashrate ${t.hashrateThs} TH/s is over ${policy.maxHashrateFactor}× nameplate ${nameplate} TH/s`,
        t.hashrateThs,
        String(nameplateLimit),
      ),
    );
  } else if (ths > maxMinerThs) {
    // Without a nameplate (no known model) there is still a bound: no single ASIC hashes this fast.
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_HASHRATE",
        true,
        `hashrate ${shortNumber(ths)} TH/s is more than any single miner can do (limit ${maxMinerThs} TH/s)`,
        shortNumber(ths),
        String(maxMinerThs),
      ),
    );
  }
  if (t.powerSource === "reported" && t.powerW !== null && t.powerW <= 0 && ths > 0) {
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_POWER",
        true,
        `reported power ${t.powerW} W while hashing ${t.hashrateThs} TH/s`,
        t.powerW,
        0,
      ),
    );
  } else if (t.powerW !== null && !(t.powerW <= maxMinerPowerW)) {
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_POWER",
        true,
        `power ${shortNumber(t.powerW)} W is more than any single miner draws (limit ${maxMinerPowerW} W)`,
        shortNumber(t.powerW),
        maxMinerPowerW,
      ),
    );
  }

  const readings = [...t.boards.flatMap((board) => [...board.chipTempsC, ...board.boardTempsC])];
  if (t.maxChipTempC !== null) readings.push(t.maxChipTempC);
  if (t.maxBoardTempC !== null) readings.push(t.maxBoardTempC);
  const outOfRange = readings.filter((reading) => reading < policy.tempMinC || reading > policy.tempMaxC);
  if (outOfRange.length > 0) {
    out.push(
      found(
        minerId,
        "IMPOSSIBLE_TEMPERATURE",
        true,
        `temperature reading ${outOfRange[0]} °C outside ${policy.tempMinC}…${policy.tempMaxC} °C`,
        outOfRange[0] as number,
        [policy.tempMinC, policy.tempMaxC],
      ),
    );
  } else {
    const hottest = t.maxChipTempC ?? t.maxBoardTempC;
    if (hottest !== null && hottest >= policy.tempStopC) {
      out.push(
        found(
          minerId,
          "OVER_TEMPERATURE",
          true,
          `chip temperature ${hottest} °C at or above the stop level ${policy.tempStopC} °C`,
          hottest,
          policy.tempStopC,
        ),
      );
    } else if (hottest !== null && hottest >= policy.tempWarnC) {
      out.push(
        found(
          minerId,
          "TEMPERATURE_WARN",
          false,
          `chip temperature ${hottest} °C at or above the warning level ${policy.tempWarnC} °C`,
          hottest,
          policy.tempWarnC,
        ),
      );
    }
  }

  // Counters of a machine swapped in at this id start from its own values, not the old one's.
  const previous = after.modelChange && after.modelChange.seq === after.lastGood?.seq ? null : before.lastGood;
  if (previous && previous.uptimeS !== null && t.uptimeS !== null && t.uptimeS >= previous.uptimeS) {
    const backwards: string[] = [];
    if (previous.accepted !== null && t.accepted !== null && t.accepted < previous.accepted)
      backwards.push(`accepted ${previous.accepted} → ${t.accepted}`);
    if (previous.hardwareErrors !== null && t.hardwareErrors !== null && t.hardwareErrors < previous.hardwareErrors) {
      backwards.push(`hardware errors ${previous.hardwareErrors} → ${t.hardwareErrors}`);
    }
    if (backwards.length > 0) {
      out.push(
        found(
          minerId,
          "COUNTERS_BACKWARDS",
          true,
          `counters went backwards without a reboot (uptime ${previous.uptimeS} → ${t.uptimeS} s): ${backwards.join(", ")}`,
          backwards,
          "non-decreasing",
        ),
      );
    }
  }
  return out;
}

/** A figure as a record can hold it: a finite number, or its text (1e300 stays 1e300, not 1000…0). */
function shortNumber(value: number): number | string {
  return Number.isSafeInteger(value) || (Number.isFinite(value) && Math.abs(value) < 1e15) ? value : String(value);
}

/**
 * How far ahead of the cycle's clock a source may date its figure (clock skew between machines)
 * before the figure is refused: a source time in the future would otherwise never grow old.
 */
export const sourceAheadToleranceMs = 60_000;

/**
 * The age of a market figure, judged so that it cannot stay fresh forever: never negative, and
 * counted from when it was fetched if the source dates it later than that. A source time more
 * than the tolerance ahead of the cycle is a finding of its own.
 */
function marketAge(
  body: { available: boolean; sourceAt: string | null; fetchedAt: string | null },
  nowMs: number,
): { kind: "none" } | { kind: "ahead"; aheadMs: number } | { kind: "age"; ageMs: number } {
  const sourceMs = body.available && body.sourceAt ? Date.parse(body.sourceAt) : Number.NaN;
  if (!Number.isFinite(sourceMs)) return { kind: "none" };
  if (sourceMs - nowMs > sourceAheadToleranceMs) return { kind: "ahead", aheadMs: sourceMs - nowMs };
  const fetchedMs = body.fetchedAt ? Date.parse(body.fetchedAt) : Number.NaN;
  const since = Number.isFinite(fetchedMs) ? Math.min(sourceMs, fetchedMs) : sourceMs;
  return { kind: "age", ageMs: Math.max(0, nowMs - since) };
}

/** A stale or future-dated market figure: one finding at most, worded with `name` (replay compares the words). */
function marketFreshness(
  name: string,
  body: { available: boolean; sourceAt: string | null; fetchedAt: string | null; error: string | null },
  codes: { ahead: DivergenceCode; stale: DivergenceCode },
  staleMs: number,
  nowMs: number,
): Divergence | undefined {
  const age = marketAge(body, nowMs);
  if (age.kind === "ahead") {
    return found(
      null,
      codes.ahead,
      true,
      `the ${name} is dated ${Math.round(age.aheadMs / 1000)} s ahead of this controller's clock (source time ${body.sourceAt}; ${sourceAheadToleranceMs / 1000} s allowed): a source clock that is ahead would keep the figure fresh forever, so it is not used`,
      age.aheadMs,
      sourceAheadToleranceMs,
    );
  }
  if (age.kind === "none" || age.ageMs > staleMs) {
    return found(
      null,
      codes.stale,
      true,
      age.kind === "none"
        ? `no ${name} available${body.error ? ` (${body.error})` : ""}`
        : `${name} is ${Math.round(age.ageMs / 1000)} s old`,
      age.kind === "none" ? null : age.ageMs,
      staleMs,
    );
  }
  return undefined;
}

export function marketDivergences(price: PriceBody, network: NetworkBody, nowMs: number, policy: Policy): Divergence[] {
  const out: Divergence[] = [];
  const priceFinding = marketFreshness(
    "BTC price",
    price,
    { ahead: "FUTURE_PRICE_TIME", stale: "STALE_PRICE" },
    policy.stalePriceMs,
    nowMs,
  );
  if (priceFinding) out.push(priceFinding);
  const networkFinding = marketFreshness(
    "difficulty/fee data",
    network,
    { ahead: "FUTURE_NETWORK_TIME", stale: "STALE_NETWORK" },
    policy.staleNetworkMs,
    nowMs,
  );
  if (networkFinding) out.push(networkFinding);
  // A figure no real market has makes the data unusable, as stale data does: profits resting on
  // it would be nonsense (or overflow the exact arithmetic).
  for (const problem of marketProblems(price, network)) {
    out.push(found(null, problem.code, true, problem.detail, problem.observed, problem.limit));
  }
  return out;
}
