// Antminer (bmminer and Bitmain's cgminer builds) put per-chain data in the second STATS row:
// chain_acnN (chips found), chain_acsN (" oooo oxoo": o good, x bad), chain_rateN (GH/s),
// tempN (PCB), temp2_N (chip), temp_pcbN / temp_chipN ("a-b-c-d" sensor lists on S17 and later),
// fan1..fanN. Slots run 1..16; an S9 uses 6..8, an S19 1..3; "" or 0 marks an empty slot.

import type { ModelSpec } from "../models.ts";
import type { BoardTelemetry } from "../telemetry.ts";
import type { JsonObject } from "./lenient-json.ts";
import { thsFrom, unitExponent } from "./units.ts";
import { chipStatus, lookup, toNumber, toReadings } from "./values.ts";

export function isAntminerStats(row: JsonObject): boolean {
  return "chain_acn1" in row || "chain_rate1" in row || "temp_num" in row || "fan_num" in row || "chain_acs1" in row;
}

export function antminerBoards(row: JsonObject, model: ModelSpec | undefined, errors: string[]): BoardTelemetry[] {
  const unit = unitExponent(lookup(row, "rate_unit"), -3); // chain rates are GH/s unless told
  const boards: BoardTelemetry[] = [];
  for (let slot = 1; slot <= 16; slot++) {
    const found = toNumber(row[`chain_acn${slot}`]);
    const status = chipStatus(row[`chain_acs${slot}`]);
    const rate = toNumber(row[`chain_rate${slot}`]);
    const present =
      (found !== undefined && found > 0) ||
      (status !== undefined && status.good + status.bad > 0) ||
      rate !== undefined;
    if (!present) continue;
    let chipTemps = toReadings(row[`temp_chip${slot}`]);
    if (chipTemps.length === 0) chipTemps = [...toReadings(row[`temp2_${slot}`]), ...toReadings(row[`temp3_${slot}`])];
    let boardTemps = toReadings(row[`temp_pcb${slot}`]);
    if (boardTemps.length === 0) boardTemps = toReadings(row[`temp${slot}`]);
    const good = status?.good ?? found ?? null;
    const bad = status?.bad ?? null;
    const expected = model?.chipsPerBoard ?? found ?? null;
    if (bad !== null && bad > 0) errors.push(`board ${slot}: ${bad} chip(s) marked x (failing)`);
    const detected = status ? status.good + status.bad : found;
    if (expected !== null && detected !== undefined && detected < expected) {
      errors.push(`board ${slot}: ${detected} of ${expected} chips detected`);
    }
    boards.push({
      index: slot,
      hashrateThs: rate === undefined ? null : thsFrom(rate, unit),
      chipTempsC: chipTemps.map(roundTemp),
      boardTempsC: boardTemps.map(roundTemp),
      chipsGood: good,
      chipsBad: bad,
      chipsExpected: expected,
      status: null,
    });
  }
  return boards;
}

export function antminerFans(row: JsonObject): number[] {
  const fans: number[] = [];
  for (let slot = 1; slot <= 16; slot++) {
    const rpm = toNumber(row[`fan${slot}`]);
    if (rpm !== undefined && rpm > 0) fans.push(rpm);
  }
  return fans;
}

/** °C to one decimal; never -0, which the ledger's canonical JSON refuses. */
export function roundTemp(value: number): number {
  return Math.round(value * 10) / 10 || 0;
}
