// What each simulated firmware answers, modelled on real replies: cgminer's SUMMARY/DEVS/POOLS,
// bmminer's Antminer STATS (chain_acsN, temp_chipN "a-b-c-d", "GHS 5s" as a string), btminer's
// flat summary (Power, Factory GHS, Fan Speed In/Out) and Avalon's "MM ID0" module string.
//
// The read replies are printed as JSON text with the figures filled in, the way cgminer's api.c
// prints them, rather than built as objects and serialised: the simulator answers thousands of
// requests a second and this is most of its work per request. Only rare replies (errors,
// privileged commands) go through objects.

import type { FirmwareFamily, ModelSpec } from "../models.ts";

export interface BoardReading {
  ths: number;
  chipC: number;
  pcbC: number;
  chipsGood: number;
  chipsBad: number;
  enabled: boolean;
}

export interface Reading {
  nowS: number;
  elapsedS: number;
  model: ModelSpec;
  family: FirmwareFamily;
  /** 5-second hashrate (noisy), TH/s; may be made impossible by a fault. */
  ths5s: number;
  thsAvg: number;
  boards: BoardReading[];
  fans: number[];
  powerW: number;
  ambientC: number;
  accepted: number;
  rejected: number;
  hwErrors: number;
  pools: { url: string; user: string }[];
  hashing: boolean;
}

export type ReplyObject = Record<string, unknown>;

const descriptions: Record<FirmwareFamily, string> = {
  cgminer: "cgminer 4.12.1",
  bmminer: "bmminer 1.0.0",
  btminer: "btminer",
  avalon: "cgminer 4.11.1",
};

type Row = Record<string, string | number | boolean>;

export function statusBlock(family: FirmwareFamily, nowS: number, letter: string, code: number, msg: string): Row[] {
  return [{ STATUS: letter, When: nowS, Code: code, Msg: msg, Description: descriptions[family] }];
}

export function errorReply(family: FirmwareFamily, nowS: number, code: number, msg: string): ReplyObject {
  if (family === "btminer") return { STATUS: "E", When: nowS, Code: code, Msg: msg.toLowerCase(), Description: "" };
  return { STATUS: statusBlock(family, nowS, "E", code, msg), id: 1 };
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const ghs = (ths: number) => round2(ths * 1e3);
const mhs = (ths: number) => round2(ths * 1e6);

/** A number as JSON.stringify writes it (null when not finite). */
function n(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

/** A string as a JSON string literal; the few a fleet repeats (labels, pool URLs, users) are remembered. */
function q(text: string): string {
  let literal = literals.get(text);
  if (literal === undefined) {
    literal = JSON.stringify(text);
    if (literals.size < 100_000) literals.set(text, literal);
  }
  return literal;
}

const literals = new Map<string, string>();

function status(r: Reading, code: number, msg: string): string {
  return `"STATUS":[{"STATUS":"S","When":${n(r.nowS)},"Code":${code},"Msg":${q(msg)},"Description":${q(descriptions[r.family])}}]`;
}

function maxOf(values: readonly number[]): number {
  return Math.max(...values);
}

function summaryRow(r: Reading): string {
  const common =
    `"Elapsed":${n(r.elapsedS)},"Found Blocks":0,"Getworks":${n(Math.floor(r.elapsedS / 30))},` +
    `"Accepted":${n(r.accepted)},"Rejected":${n(r.rejected)},"Hardware Errors":${n(r.hwErrors)},` +
    `"Utility":${n(round2((r.accepted / Math.max(1, r.elapsedS)) * 60))},"Stale":0,"Get Failures":0,"Remote Failures":0,` +
    `"Difficulty Accepted":${n(r.accepted * 65536)},"Difficulty Rejected":${n(r.rejected * 65536)},"Best Share":1431836158,` +
    `"Device Hardware%":${n(round2((100 * r.hwErrors) / Math.max(1, r.accepted + r.hwErrors)))},` +
    `"Pool Rejected%":${n(round2((100 * r.rejected) / Math.max(1, r.accepted + r.rejected)))},"Last getwork":${n(r.nowS)}`;
  const avg = mhs(r.thsAvg);
  switch (r.family) {
    case "bmminer": {
      const av = ghs(r.thsAvg);
      return `{${common},"GHS 5s":${q(ghs(r.ths5s).toFixed(2))},"GHS av":${n(av)},"GHS 30m":${n(av)}}`;
    }
    case "btminer": {
      const chips = r.boards.map((board) => board.chipC);
      return (
        `{${common},"MHS av":${n(avg)},"MHS 5s":${n(mhs(r.ths5s))},"MHS 1m":${n(avg)},"MHS 5m":${n(avg)},"MHS 15m":${n(avg)},` +
        `"Temperature":${n(round2(maxOf(r.boards.map((board) => board.pcbC))))},` +
        `"Fan Speed In":${n(r.fans[0] ?? 0)},"Fan Speed Out":${n(r.fans[1] ?? 0)},"Power":${n(Math.round(r.powerW))},` +
        `"Power Rate":${n(round2(r.powerW / Math.max(0.001, r.thsAvg)))},"Uptime":${n(r.elapsedS + 95)},` +
        `"Factory GHS":${n(Math.round(r.model.nameplateThs * 1e3))},` +
        `"Power Limit":${n(Math.round(r.model.nameplateThs * r.model.joulesPerTh * 1.1))},"Env Temp":${n(round2(r.ambientC))},` +
        `"Chip Temp Min":${n(round2(Math.min(...chips) - 8))},"Chip Temp Max":${n(round2(maxOf(chips)))},` +
        `"Chip Temp Avg":${n(round2(chips.reduce((a, b) => a + b, 0) / chips.length - 3))},` +
        `"Firmware Version":"'20220805.22.REL'","Error Code Count":0}`
      );
    }
    case "avalon":
      return `{${common},"MHS av":${n(avg)},"MHS 30s":${n(mhs(r.ths5s))},"MHS 1m":${n(avg)},"MHS 5m":${n(avg)},"MHS 15m":${n(avg)}}`;
    default:
      return `{${common},"MHS av":${n(avg)},"MHS 5s":${n(mhs(r.ths5s))},"MHS 1m":${n(avg)},"MHS 5m":${n(avg)},"MHS 15m":${n(avg)}}`;
  }
}

function poolRows(r: Reading): string {
  const getworks = n(Math.floor(r.elapsedS / 30));
  return r.pools
    .map(
      (pool, index) =>
        `{"POOL":${index},"URL":${q(pool.url)},"Status":"Alive","Priority":${index},"Quota":1,"Long Poll":"N",` +
        `"Getworks":${getworks},"Accepted":${index === 0 ? n(r.accepted) : 0},"Rejected":${index === 0 ? n(r.rejected) : 0},` +
        `"Stale":0,"User":${q(pool.user)},"Last Share Time":${index === 0 ? '"0:00:03"' : '"0"'},"Diff":"65.5K",` +
        `"Stratum Active":${index === 0},"Pool Rejected%":0}`,
    )
    .join(",");
}

/** " oooooooo oooxoooo …": a chain's chips in groups of eight, o good, x bad. */
function chipString(good: number, bad: number): string {
  const key = good * 4096 + bad;
  let out = chipStrings.get(key);
  if (out === undefined) {
    const marks = "o".repeat(good) + "x".repeat(bad);
    out = "";
    for (let i = 0; i < marks.length; i += 8) out += ` ${marks.slice(i, i + 8)}`;
    chipStrings.set(key, out);
  }
  return out;
}

const chipStrings = new Map<number, string>();

const round = (value: number) => n(Math.round(value));

function antminerStats(r: Reading): string {
  const head = `{"BMMiner":"1.0.0","Miner":"uart_trans.1.3","CompileTime":"Mon Aug 16 12:00:00 CST 2021","Type":${q(r.model.label)}}`;
  const s9 = r.model.id === "s9";
  const lastSlot = s9 ? 8 : 4;
  // The S9 numbers its chains 6..8 and its fans 3 and 6; later models use 1..N.
  const boardAt = (slot: number) => r.boards[s9 ? slot - 6 : slot - 1];
  const fanSlots = s9 ? [3, 6] : r.fans.map((_, index) => index + 1);
  let row =
    `{"STATS":0,"ID":"BTM_SOC0","Elapsed":${n(r.elapsedS)},"Calls":0,"Wait":0,"Max":0,"Min":99999999,` +
    `"GHS 5s":${q(ghs(r.ths5s).toFixed(2))},"GHS av":${n(ghs(r.thsAvg))},"miner_count":${r.boards.length},` +
    `"frequency":"","fan_num":${r.fans.length}`;
  for (let slot = 1; slot <= lastSlot; slot++) {
    const fanAt = fanSlots.indexOf(slot);
    row += `,"fan${slot}":${fanAt === -1 ? 0 : n(r.fans[fanAt] ?? 0)}`;
  }
  row += `,"temp_num":${r.boards.length}`;
  for (let slot = 1; slot <= lastSlot; slot++) {
    const board = boardAt(slot);
    row += `,"temp${slot}":${board ? round(board.pcbC) : 0},"temp2_${slot}":${board ? round(board.chipC) : 0}`;
    if (!s9) {
      const pcb = board
        ? `${round(board.pcbC - 4)}-${round(board.pcbC)}-${round(board.pcbC - 6)}-${round(board.pcbC - 2)}`
        : "0-0-0-0";
      const chip = board
        ? `${round(board.chipC - 24)}-${round(board.chipC)}-${round(board.chipC - 27)}-${round(board.chipC - 9)}`
        : "0-0-0-0";
      row += `,"temp_pcb${slot}":"${pcb}","temp_chip${slot}":"${chip}"`;
    }
  }
  const totalChips = r.boards.reduce((total, board) => total + board.chipsGood + board.chipsBad, 0);
  row +=
    `,"total_rateideal":${n(ghs(r.model.nameplateThs))},"rate_unit":"GH","total_freqavg":0,"total_acn":${totalChips},` +
    `"total_rate":${n(ghs(r.ths5s))},"temp_max":${round(maxOf(r.boards.map((board) => board.pcbC)))}`;
  for (let slot = 1; slot <= lastSlot; slot++) {
    const board = boardAt(slot);
    row += board
      ? `,"chain_acn${slot}":${board.chipsGood + board.chipsBad},"chain_acs${slot}":"${chipString(board.chipsGood, board.chipsBad)}",` +
        `"chain_hw${slot}":${n(Math.floor(r.hwErrors / r.boards.length))},"chain_rate${slot}":${q(ghs(board.ths).toFixed(2))}`
      : `,"chain_acn${slot}":0,"chain_acs${slot}":"","chain_hw${slot}":0,"chain_rate${slot}":""`;
  }
  row += `,"miner_version":"uart_trans.1.3"}`;
  return `${head},${row}`;
}

function avalonModule(r: Reading): string {
  const tmax = Math.round(maxOf(r.boards.map((board) => board.chipC)));
  const tavg = Math.round(r.boards.reduce((total, board) => total + board.chipC, 0) / r.boards.length);
  const amps = Math.round(r.powerW / 12.2);
  const pvt = r.boards
    .map(
      (board, index) =>
        `PVT_T${index}[${Array.from({ length: board.chipsGood }, (_, chip) => Math.round(board.chipC - 6 + (chip % 7))).join(" ")}]`,
    )
    .join(" ");
  return [
    `Ver[${r.model.id.replace(/\D/g, "")}-21042001_4ec6bb0_61407fa] DNA[020100008c3f3bd3] MEMFREE[1370748]`,
    `SYSTEMSTATU[Work: ${r.hashing ? "In Work" : "In Idle"}, Hash Board: ${r.boards.length} ] Elapsed[${r.elapsedS}]`,
    `HW[${r.hwErrors}] DH[0.012%] Temp[${Math.round(r.ambientC)}] TMax[${tmax}] TAvg[${tavg}]`,
    ...r.fans.map((rpm, index) => `Fan${index + 1}[${rpm}]`),
    "FanR[66%] Vo[296]",
    `PS[0 1215 1267 ${amps} ${Math.round(r.powerW)} 1268 ${Math.round(r.powerW * 1.05)}]`,
    `GHSspd[${ghs(r.ths5s)}] GHSmm[${ghs(r.ths5s)}] GHSavg[${ghs(r.thsAvg)}] Freq[537.08] Led[0]`,
    `MGHS[${r.boards.map((board) => ghs(board.ths)).join(" ")}]`,
    `MTmax[${r.boards.map((board) => Math.round(board.chipC)).join(" ")}]`,
    `MTavg[${r.boards.map((board) => Math.round(board.chipC - 5)).join(" ")}]`,
    `TA[${r.boards.length * r.model.chipsPerBoard}] ECHU[${r.boards.map(() => 0).join(" ")}] ECMM[0]`,
    pvt,
    `CRC[${r.boards.map(() => 0).join(" ")}] WORKMODE[1]`,
  ].join(" ");
}

function devsRows(r: Reading): string {
  const name = r.family === "btminer" ? "SM" : r.family === "avalon" ? "AVA10" : "BTM";
  const perBoard = (value: number) => n(Math.floor(value / r.boards.length));
  return r.boards
    .map((board, index) => {
      const rate = n(mhs(board.ths));
      const base =
        `"ASC":${index},"Name":"${name}","ID":${index},"Enabled":"${board.enabled ? "Y" : "N"}","Status":"Alive",` +
        `"Temperature":${n(round2(board.pcbC))},"MHS av":${rate},"MHS 5s":${rate},"MHS 1m":${rate},"MHS 5m":${rate},` +
        `"MHS 15m":${rate},"Accepted":${perBoard(r.accepted)},"Rejected":${perBoard(r.rejected)},` +
        `"Hardware Errors":${perBoard(r.hwErrors)},"Last Valid Work":${n(r.nowS)}`;
      if (r.family !== "btminer") return `{${base}}`;
      return (
        `{${base},"Slot":${index},"Chip Frequency":612,` +
        `"Factory GHS":${n(Math.round((r.model.nameplateThs * 1e3) / r.boards.length))},"Effective Chips":${n(board.chipsGood)},` +
        `"Chip Temp Min":${n(round2(board.chipC - 10))},"Chip Temp Max":${n(round2(board.chipC))},"Chip Temp Avg":${n(round2(board.chipC - 4))}}`
      );
    })
    .join(",");
}

function versionReply(r: Reading): string | undefined {
  const versions = status(r, 22, r.family === "bmminer" ? "BMMiner versions" : "CGMiner versions");
  switch (r.family) {
    case "btminer":
      return undefined; // btminer answers E/14; it has get_version instead
    case "bmminer":
      return `{${versions},"VERSION":[{"BMMiner":"1.0.0","API":"3.1","Miner":"uart_trans.1.3","CompileTime":"Mon Aug 16 12:00:00 CST 2021","Type":${q(r.model.label)}}],"id":1}`;
    case "avalon":
      return (
        `{${versions},"VERSION":[{"CGMiner":"4.11.1","API":"3.7","PROD":${q(r.model.label)},"MODEL":${q(r.model.id.replace(/\D/g, ""))},` +
        `"HWTYPE":"MM4v2_X3","SWTYPE":"MM319","VERSION":"21042001_4ec6bb0_61407fa","MAC":"b4a2eb3b1f27","UPAPI":"2"}],"id":1}`
      );
    default:
      return `{${versions},"VERSION":[{"CGMiner":"4.12.1","API":"3.7"}],"id":1}`;
  }
}

function statsReply(r: Reading): string {
  const head = status(r, 70, "CGMiner stats");
  if (r.family === "bmminer") return `{${head},"STATS":[${antminerStats(r)}],"id":1}`;
  if (r.family === "avalon") {
    return (
      `{${head},"STATS":[{"STATS":0,"ID":"AVA100","Elapsed":${n(r.elapsedS)},"Calls":0,"Wait":0,"Max":0,"Min":99999999,` +
      `"MM ID0":${JSON.stringify(avalonModule(r))},"MM Count":1,"Smart Speed":1,"Nonce Mask":25},` +
      `{"STATS":1,"ID":"POOL0","Elapsed":${n(r.elapsedS)},"Work Diff":65536}],"id":1}`
    );
  }
  const rows = r.boards
    .map(
      (_, index) =>
        `{"STATS":${index},"ID":"BTM${index}","Elapsed":${n(r.elapsedS)},"Calls":0,"Wait":0,"Max":0,"Min":99999999}`,
    )
    .join(",");
  return `{${head},"STATS":[${rows}],"id":1}`;
}

function devdetailsReply(r: Reading): string {
  const rows = r.boards
    .map((_, index) => {
      const name = r.family === "btminer" ? "SM" : "BTM";
      const driver = r.family === "btminer" ? "bitmicro" : "cgminer";
      const model = r.family === "btminer" ? `${r.model.label.replace(/^WhatsMiner\s*/i, "")}.V10` : r.model.label;
      return `{"DEVDETAILS":${index},"Name":"${name}","ID":${index},"Driver":"${driver}","Kernel":"","Model":${q(model)}}`;
    })
    .join(",");
  return `{${status(r, 69, "Device Details")},"DEVDETAILS":[${rows}],"id":1}`;
}

/** The commands readReply knows: what a poll asks for. */
export const readCommands: ReadonlySet<string> = new Set([
  "version",
  "summary",
  "pools",
  "devs",
  "edevs",
  "devdetails",
  "stats",
]);

/** The JSON text of one read command's reply; undefined when the firmware does not know it. */
export function readReply(command: string, r: Reading): string | undefined {
  switch (command) {
    case "version":
      return versionReply(r);
    case "summary":
      return `{${status(r, 11, "Summary")},"SUMMARY":[${summaryRow(r)}],"id":1}`;
    case "pools":
      return `{${status(r, 7, `${r.pools.length} Pool(s)`)},"POOLS":[${poolRows(r)}],"id":1}`;
    case "devs":
    case "edevs":
      return `{${status(r, 9, `${r.boards.length} ASC(s)`)},"DEVS":[${devsRows(r)}],"id":1}`;
    case "devdetails":
      return devdetailsReply(r);
    case "stats":
      return statsReply(r);
    default:
      return undefined;
  }
}
