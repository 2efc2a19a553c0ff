// Antminer (bmminer and Bitmain's cgminer builds) put per-chain data in the second STATS row:
// chain_acnN (chips found), chain_acsN (" oooo oxoo": o good, x bad), chain_rateN (GH/s),
// tempN (PCB), temp2_N (chip), temp_pcbN / temp_chipN ("a-b-c-d" sensor lists on S17 and later),
// fan1..fanN. Slots run 1..16; an S9 uses 6..8, an S19 1..3; "" or 0 marks an empty slot.

import type { ModelSpec } from "../models.ts";
import type { BoardTelemetry } from "../telemetry.ts";
import type { JsonObject, JsonValue } from "./lenient-json.ts";
import { thsFrom, unitExponent } from "./units.ts";
import { chipStatus, lookup, toNumber, toReadings } from "./values.ts";

const slotCount = 16;
// The per-slot fields: each one's index among a slot's values, and its key prefix.
const acn = 0;
const acs = 1;
const rate = 2;
const tempChip = 3;
const temp2 = 4;
const temp3 = 5;
const tempPcb = 6;
const temp = 7;
const fan = 8;
const prefixes = ["chain_acn", "chain_acs", "chain_rate", "temp_chip", "temp2_", "temp3_", "temp_pcb", "temp", "fan"];
const fieldCount = prefixes.length;
/** Exact key name ("chain_acn3") → where its value goes: slot × fields + field. */
const slotKeys = new Map<string, number>();
for (let slot = 1; slot <= slotCount; slot++) {
  for (const [field, prefix] of prefixes.entries()) slotKeys.set(`${prefix}${slot}`, slot * fieldCount + field);
}

/**
 * The row's per-slot values (slot × fields + field), gathered in one pass over its keys. Asking
 * the row for each of the 16 × 9 possible names instead costs a lookup per name, most of them
 * for names it does not have, on rows whose shape differs from model to model.
 */
function slotValues(row: JsonObject): (JsonValue | undefined)[] {
  const values = new Array<JsonValue | undefined>((slotCount + 1) * fieldCount);
  for (const key in row) {
    const at = slotKeys.get(key);
    if (at !== undefined) values[at] = row[key];
  }
  return values;
}

export function isAntminerStats(row: JsonObject): boolean {
  return "chain_acn1" in row || "chain_rate1" in row || "temp_num" in row || "fan_num" in row || "chain_acs1" in row;
}

/** The boards and fans of an Antminer stats row (problems found go to `errors`). */
export function antminerStats(
  row: JsonObject,
  model: ModelSpec | undefined,
  errors: string[],
): { boards: BoardTelemetry[]; fans: number[] } {
  const values = slotValues(row);
  return { boards: antminerBoards(row, values, model, errors), fans: antminerFans(values) };
}

function antminerBoards(
  row: JsonObject,
  values: readonly (JsonValue | undefined)[],
  model: ModelSpec | undefined,
  errors: string[],
): BoardTelemetry[] {
  const unit = unitExponent(lookup(row, "rate_unit"), -3); // chain rates are GH/s unless told
  const boards: BoardTelemetry[] = [];
  for (let slot = 1; slot <= slotCount; slot++) {
    const base = slot * fieldCount;
    const field = (index: number) => values[base + index];
    const found = toNumber(field(acn));
    const status = chipStatus(field(acs));
    const rateValue = toNumber(field(rate));
    const present =
      (found !== undefined && found > 0) ||
      (status !== undefined && status.good + status.bad > 0) ||
      rateValue !== undefined;
    if (!present) continue;
    let chipTemps = toReadings(field(tempChip));
    if (chipTemps.length === 0) chipTemps = [...toReadings(field(temp2)), ...toReadings(field(temp3))];
    let boardTemps = toReadings(field(tempPcb));
    if (boardTemps.length === 0) boardTemps = toReadings(field(temp));
    const good = status?.good ?? found ?? null;
    const bad = status?.bad ?? null;
    const expected = model?.chipsPerBoard ?? found ?? null;
    if (bad !== null && bad > 0) errors.push(`board ${slot}: ${bad} chip(s) marked x (failing)`);
    const detected = status ? status.good + status.bad : found;
    if (expected !== null && detected !== undefined && detected < expected) {
      errors.push(`board ${slot}: ${detected} of ${expected} chips detected`);
    }
    // Keys in canonical (sorted) order: see telemetry.ts.
    boards.push({
      boardTempsC: boardTemps.map(roundTemp),
      chipTempsC: chipTemps.map(roundTemp),
      chipsBad: bad,
      chipsExpected: expected,
      chipsGood: good,
      hashrateThs: rateValue === undefined ? null : thsFrom(rateValue, unit),
      index: slot,
      status: null,
    });
  }
  return boards;
}

function antminerFans(values: readonly (JsonValue | undefined)[]): number[] {
  const fans: number[] = [];
  for (let slot = 1; slot <= slotCount; slot++) {
    const rpm = toNumber(values[slot * fieldCount + fan]);
    if (rpm !== undefined && rpm > 0) fans.push(rpm);
  }
  return fans;
}

/** °C to one decimal; never -0, which the ledger's canonical JSON refuses. */
export function roundTemp(value: number): number {
  return Math.round(value * 10) / 10 || 0;
}
