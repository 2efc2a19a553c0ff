// From the replies of one poll (whatever firmware sent them) to the one Telemetry shape.

import { type FirmwareFamily, findModel, type ModelSpec } from "../models.ts";
import type { BoardTelemetry, PoolTelemetry, Telemetry } from "../telemetry.ts";
import { antminerStats, isAntminerStats, roundTemp } from "./antminer-stats.ts";
import { type AvalonFields, avalonModelNumber, avalonModules, fieldNumber, fieldNumbers } from "./avalon-stats.ts";
import { detectFamily } from "./firmware.ts";
import type { JsonObject } from "./lenient-json.ts";
import type { CommandReply } from "./reply.ts";
import { sumThs, thsFrom, unitExponent } from "./units.ts";
import { lookup, pickNumber, pickNumberAt, pickText, toNumber, toText } from "./values.ts";

export interface NormaliseInput {
  replies: readonly CommandReply[];
  /** Model named in the miner's configuration, used when the firmware does not say. */
  configuredModel: string | undefined;
  rawSha256: string;
  repairs: readonly string[];
  /**
   * What a full poll established (model, firmware name and version), for a routine poll that did
   * not ask for version/devdetails again: it takes the place of what those replies would say.
   */
  known?: MachineFacts;
}

/** The part of the telemetry that says what the machine is, learnt on a full poll. */
export interface MachineFacts {
  model: string | null;
  firmwareName: string | null;
  firmwareVersion: string | null;
}

/** The facts a full poll's telemetry establishes. */
export function machineFacts(telemetry: Telemetry): MachineFacts {
  return { model: telemetry.model, firmwareName: telemetry.firmware.name, firmwareVersion: telemetry.firmware.version };
}

export type NormaliseResult = { ok: true; telemetry: Telemetry } | { ok: false; reason: string };

// Hashrate windows, freshest first, and each key's unit as a power of ten of TH/s.
const windows = ["5s", "30s", "1m", "5m", "15m", "av"].map((window) => ({
  window,
  keys: [`GHS ${window}`, `MHS ${window}`, `THS ${window}`],
}));
const windowExponents = [-3, -6, 0];

function freshestHashrate(rows: readonly (JsonObject | undefined)[]): { ths: string; window: string } | undefined {
  for (const { window, keys } of windows) {
    for (const row of rows) {
      if (!row) continue;
      const found = pickNumberAt(row, keys);
      if (found) return { ths: thsFrom(found.value, windowExponents[found.index] as number), window };
    }
  }
  return undefined;
}

function section(replies: readonly CommandReply[], name: string): JsonObject[] {
  for (const reply of replies) {
    const rows = reply.sections[name];
    if (rows) return rows;
  }
  return [];
}

function readPools(rows: readonly JsonObject[]): PoolTelemetry[] {
  // Keys in canonical (sorted) order, like every object of a telemetry record: see telemetry.ts.
  return rows.map((row) => ({
    accepted: pickNumber(row, "Accepted") ?? 0,
    priority: pickNumber(row, "Priority") ?? null,
    rejected: pickNumber(row, "Rejected") ?? 0,
    stale: pickNumber(row, "Stale") ?? 0,
    status: pickText(row, "Status", "status") ?? "unknown",
    url: pickText(row, "URL", "url") ?? "",
    user: pickText(row, "User", "user") ?? "",
  }));
}

function devsBoards(rows: readonly JsonObject[], model: ModelSpec | undefined, errors: string[]): BoardTelemetry[] {
  return rows.map((row, position) => {
    const index = pickNumber(row, "ASC", "PGA", "Slot", "ID") ?? position;
    const mhs = pickNumber(row, "MHS 5s", "MHS 1m", "MHS av");
    const status = pickText(row, "Status") ?? null;
    const enabled = pickText(row, "Enabled");
    if (status && status !== "Alive") errors.push(`device ${index}: ${status}`);
    if (enabled === "N") errors.push(`device ${index}: disabled`);
    const chipMax = pickNumber(row, "Chip Temp Max");
    const chipAvg = pickNumber(row, "Chip Temp Avg");
    const temperature = pickNumber(row, "Temperature");
    const chips = pickNumber(row, "Effective Chips");
    return {
      boardTempsC: temperature === undefined ? [] : [roundTemp(temperature)],
      chipTempsC: [chipMax, chipAvg].filter((t): t is number => t !== undefined).map(roundTemp),
      chipsBad: null,
      chipsExpected: model?.chipsPerBoard ?? null,
      chipsGood: chips ?? null,
      hashrateThs: mhs === undefined ? null : thsFrom(mhs, -6),
      index,
      status,
    };
  });
}

function reportedModelOf(
  version: JsonObject | undefined,
  stats: readonly JsonObject[],
  details: readonly JsonObject[],
  firstModule: AvalonFields | undefined,
): string | undefined {
  const fromVersion = pickText(version, "Type", "PROD", "Model");
  if (fromVersion !== undefined) return fromVersion;
  for (const row of stats) {
    const type = pickText(row, "Type");
    if (type !== undefined) return type;
  }
  for (const row of details) {
    const type = pickText(row, "Model");
    if (type !== undefined) return type;
  }
  const avalonNumber = firstModule ? avalonModelNumber(firstModule) : undefined;
  return avalonNumber ? `AvalonMiner ${avalonNumber}` : undefined;
}

/**
 * The model on a routine poll: the last full poll's, unless the STATS reply (which routine polls of
 * bmminer and Avalon still ask for) names another catalogue model. The machine was swapped at this
 * address then, and the adapter, seeing another model than it knew, asks again for everything.
 * Compared by catalogue entry, so two spellings of one model are no change.
 */
function knownModel(
  known: MachineFacts,
  stats: readonly JsonObject[],
  firstModule: AvalonFields | undefined,
): string | undefined {
  const seen = stats.length > 0 ? reportedModelOf(undefined, stats, [], firstModule) : undefined;
  const spec = findModel(seen);
  if (seen !== undefined && spec !== undefined && spec !== findModel(known.model)) return seen;
  return known.model ?? undefined;
}

function maxOf(values: readonly number[]): number | null {
  return values.length === 0 ? null : roundTemp(Math.max(...values));
}

/** Builds normalised telemetry from one poll's replies; fails only when no hashrate is found. */
export function normalise(input: NormaliseInput): NormaliseResult {
  const { replies } = input;
  const errors: string[] = [...input.repairs.map((repair) => `reply repaired: ${repair}`)];
  for (const reply of replies) if (!reply.ok && reply.error) errors.push(`${reply.command}: ${reply.error}`);

  const version = section(replies, "VERSION")[0];
  const summary = section(replies, "SUMMARY")[0];
  const stats = section(replies, "STATS");
  const devs = section(replies, "DEVS");
  const details = section(replies, "DEVDETAILS");
  let description: string | undefined;
  for (const reply of replies) {
    description = reply.status?.description;
    if (description !== undefined) break;
  }
  const family = detectFamily({ version, summary, stats, description });

  const antStats = stats.find(isAntminerStats);
  const modules = family === "avalon" ? avalonModules(stats) : [];
  const firstModule = modules[0];

  // Model: what the firmware says (or said on the last full poll), else the configuration.
  const known = input.known;
  const reportedModel = known
    ? knownModel(known, stats, firstModule)
    : reportedModelOf(version, stats, details, firstModule);
  const spec = findModel(reportedModel) ?? findModel(input.configuredModel);
  const model = reportedModel ?? spec?.label ?? input.configuredModel ?? null;

  // Hashrate: the freshest window in SUMMARY, then the stats rows, then Avalon's GHSmm.
  let hashrate = freshestHashrate([summary, antStats, ...stats]);
  if (!hashrate && firstModule) {
    const ghs = modules.map((fields) => fieldNumber(fields, "GHSmm")).filter((v): v is number => v !== undefined);
    if (ghs.length > 0) hashrate = { ths: sumThs(ghs.map((value) => thsFrom(value, -3))), window: "mm" };
  }

  // Boards.
  let boards: BoardTelemetry[] = [];
  const antminer = antStats ? antminerStats(antStats, spec, errors) : undefined;
  if (antminer) boards = antminer.boards;
  else if (family === "avalon" && modules.length > 0) {
    boards = modules.flatMap((fields, moduleIndex) => {
      const perBoard = fieldNumbers(fields, "MGHS");
      const maxTemps = fieldNumbers(fields, "MTmax");
      const avgTemps = fieldNumbers(fields, "MTavg");
      const count = Math.max(perBoard.length, maxTemps.length);
      return Array.from({ length: count }, (_, board) => {
        const chips = fields.countNonZero(`PVT_T${board}`);
        return {
          boardTempsC: avgTemps[board] === undefined ? [] : [roundTemp(avgTemps[board] as number)],
          chipTempsC: maxTemps[board] === undefined ? [] : [roundTemp(maxTemps[board] as number)],
          chipsBad: null,
          chipsExpected: spec?.chipsPerBoard ?? null,
          chipsGood: chips,
          hashrateThs: perBoard[board] === undefined ? null : thsFrom(perBoard[board] as number, -3),
          index: moduleIndex * 10 + board,
          status: null,
        };
      });
    });
    for (const fields of modules) {
      const codes = fieldNumbers(fields, "ECHU").filter((code) => code !== 0);
      if (codes.length > 0) errors.push(`Avalon error codes ECHU[${codes.join(" ")}]`);
    }
  } else if (devs.length > 0) boards = devsBoards(devs, spec, errors);

  if (!hashrate && boards.some((board) => board.hashrateThs !== null)) {
    hashrate = { ths: sumThs(boards.map((board) => board.hashrateThs ?? "0")), window: "boards" };
  }
  if (!hashrate) return { ok: false, reason: "no hashrate in the reply (no GHS/MHS field, no per-board rates)" };

  // Expected hashrate: reported by the firmware, else the nameplate.
  let expected: string | undefined;
  if (antStats) {
    const ideal = toNumber(lookup(antStats, "total_rateideal"));
    if (ideal !== undefined && ideal > 0) expected = thsFrom(ideal, unitExponent(lookup(antStats, "rate_unit"), -3));
  }
  const factory = pickNumber(summary, "Factory GHS");
  if (expected === undefined && factory !== undefined && factory > 0) expected = thsFrom(factory, -3);
  const expectedSource = expected !== undefined ? "reported" : spec ? "nameplate" : null;
  if (expected === undefined && spec) expected = thsFrom(spec.nameplateThs, 0);

  // Power: reported by the firmware, else estimated from the nameplate efficiency.
  let power =
    pickNumber(summary, "Power", "Power_RT", "power") ??
    (antStats ? pickNumber(antStats, "chain_power", "power", "Power") : undefined);
  if (power === undefined && firstModule) {
    const wall = fieldNumber(firstModule, "WALLPOWER");
    const supply = fieldNumber(firstModule, "PS", 4);
    power = wall ?? supply;
  }
  let powerSource: Telemetry["powerSource"] = power !== undefined ? "reported" : null;
  let powerNote: string | null = null;
  if (power === undefined && spec) {
    power = Math.max(0, Number(hashrate.ths)) * spec.joulesPerTh;
    powerSource = "estimated";
    powerNote = `estimated from ${spec.label} nameplate ${spec.joulesPerTh} J/TH`;
  }

  // Temperatures.
  const chipTemps = boards.flatMap((board) => board.chipTempsC);
  const boardTemps = boards.flatMap((board) => board.boardTempsC);
  const summaryChip = pickNumber(summary, "Chip Temp Max");
  const summaryTemp = pickNumber(summary, "Temperature");
  if (summaryChip !== undefined) chipTemps.push(summaryChip);
  if (summaryTemp !== undefined) boardTemps.push(summaryTemp);
  for (const fields of modules) {
    const tmax = fieldNumber(fields, "TMax");
    if (tmax !== undefined) chipTemps.push(tmax);
  }

  // Fans.
  let fans: number[] = [];
  if (antminer) fans = antminer.fans;
  else if (firstModule) {
    for (const fields of modules) {
      for (let slot = 1; slot <= 8; slot++) {
        const rpm = fieldNumber(fields, `Fan${slot}`);
        if (rpm !== undefined && rpm > 0) fans.push(rpm);
      }
      const single = fieldNumber(fields, "Fan");
      if (single !== undefined && single > 0) fans.push(single);
    }
  } else {
    for (const key of ["Fan Speed In", "Fan Speed Out"]) {
      const rpm = pickNumber(summary, key);
      if (rpm !== undefined && rpm > 0) fans.push(rpm);
    }
  }

  const errorCount = pickNumber(summary, "Error Code Count");
  if (errorCount !== undefined && errorCount > 0) errors.push(`firmware reports ${errorCount} error code(s)`);

  const firmwareName = known
    ? known.firmwareName
    : pickText(version, "BMMiner") !== undefined
      ? "bmminer"
      : family === "btminer"
        ? "btminer"
        : pickText(version, "CGMiner") !== undefined || family === "cgminer" || family === "avalon"
          ? "cgminer"
          : null;
  const firmwareVersion = known
    ? known.firmwareVersion
    : (pickText(version, "BMMiner", "CGMiner", "Miner") ??
      pickText(summary, "Firmware Version")?.replace(/^'+|'+$/g, "") ??
      (firstModule ? firstModule.get("Ver")?.[0] : undefined) ??
      toText(description) ??
      null);

  const uptimeS =
    pickNumber(summary, "Elapsed") ??
    (antStats ? pickNumber(antStats, "Elapsed") : undefined) ??
    (firstModule ? fieldNumber(firstModule, "Elapsed") : undefined) ??
    null;
  // Keys in canonical (sorted) order: see telemetry.ts.
  const telemetry: Telemetry = {
    accepted: pickNumber(summary, "Accepted") ?? null,
    boards,
    errors,
    expectedSource,
    expectedThs: expected ?? null,
    fansRpm: fans,
    firmware: { family: family as FirmwareFamily | "unknown", name: firmwareName, version: firmwareVersion },
    hardwareErrors: pickNumber(summary, "Hardware Errors") ?? null,
    hashrateThs: hashrate.ths,
    hashrateWindow: hashrate.window,
    maxBoardTempC: maxOf(boardTemps),
    maxChipTempC: maxOf(chipTemps),
    model,
    pools: readPools(section(replies, "POOLS")),
    powerNote,
    powerSource,
    powerW: power === undefined ? null : Math.round(power) || 0,
    rawSha256: input.rawSha256,
    rejected: pickNumber(summary, "Rejected") ?? null,
    uptimeS,
  };
  return { ok: true, telemetry };
}
