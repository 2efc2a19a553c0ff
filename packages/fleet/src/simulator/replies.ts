// What each simulated firmware answers, modelled on real replies: cgminer's SUMMARY/DEVS/POOLS,
// bmminer's Antminer STATS (chain_acsN, temp_chipN "a-b-c-d", "GHS 5s" as a string), btminer's
// flat summary (Power, Factory GHS, Fan Speed In/Out) and Avalon's "MM ID0" module string.

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

type Row = Record<string, string | number | boolean>;
export type ReplyObject = Record<string, unknown>;

const descriptions: Record<FirmwareFamily, string> = {
  cgminer: "cgminer 4.12.1",
  bmminer: "bmminer 1.0.0",
  btminer: "btminer",
  avalon: "cgminer 4.11.1",
};

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

function summaryRow(r: Reading): Row {
  const common = {
    Elapsed: r.elapsedS,
    "Found Blocks": 0,
    Getworks: Math.floor(r.elapsedS / 30),
    Accepted: r.accepted,
    Rejected: r.rejected,
    "Hardware Errors": r.hwErrors,
    Utility: round2((r.accepted / Math.max(1, r.elapsedS)) * 60),
    Stale: 0,
    "Get Failures": 0,
    "Remote Failures": 0,
    "Difficulty Accepted": r.accepted * 65536,
    "Difficulty Rejected": r.rejected * 65536,
    "Best Share": 1431836158,
    "Device Hardware%": round2((100 * r.hwErrors) / Math.max(1, r.accepted + r.hwErrors)),
    "Pool Rejected%": round2((100 * r.rejected) / Math.max(1, r.accepted + r.rejected)),
    "Last getwork": r.nowS,
  };
  switch (r.family) {
    case "bmminer":
      return { ...common, "GHS 5s": ghs(r.ths5s).toFixed(2), "GHS av": ghs(r.thsAvg), "GHS 30m": ghs(r.thsAvg) };
    case "btminer": {
      const chips = r.boards.map((board) => board.chipC);
      return {
        ...common,
        "MHS av": mhs(r.thsAvg),
        "MHS 5s": mhs(r.ths5s),
        "MHS 1m": mhs(r.thsAvg),
        "MHS 5m": mhs(r.thsAvg),
        "MHS 15m": mhs(r.thsAvg),
        Temperature: round2(Math.max(...r.boards.map((board) => board.pcbC))),
        "Fan Speed In": r.fans[0] ?? 0,
        "Fan Speed Out": r.fans[1] ?? 0,
        Power: Math.round(r.powerW),
        "Power Rate": round2(r.powerW / Math.max(0.001, r.thsAvg)),
        Uptime: r.elapsedS + 95,
        "Factory GHS": Math.round(r.model.nameplateThs * 1e3),
        "Power Limit": Math.round(r.model.nameplateThs * r.model.joulesPerTh * 1.1),
        "Env Temp": round2(r.ambientC),
        "Chip Temp Min": round2(Math.min(...chips) - 8),
        "Chip Temp Max": round2(Math.max(...chips)),
        "Chip Temp Avg": round2(chips.reduce((a, b) => a + b, 0) / chips.length - 3),
        "Firmware Version": "'20220805.22.REL'",
        "Error Code Count": 0,
      };
    }
    case "avalon":
      return {
        ...common,
        "MHS av": mhs(r.thsAvg),
        "MHS 30s": mhs(r.ths5s),
        "MHS 1m": mhs(r.thsAvg),
        "MHS 5m": mhs(r.thsAvg),
        "MHS 15m": mhs(r.thsAvg),
      };
    default:
      return {
        ...common,
        "MHS av": mhs(r.thsAvg),
        "MHS 5s": mhs(r.ths5s),
        "MHS 1m": mhs(r.thsAvg),
        "MHS 5m": mhs(r.thsAvg),
        "MHS 15m": mhs(r.thsAvg),
      };
  }
}

function poolRows(r: Reading): Row[] {
  return r.pools.map((pool, index) => ({
    POOL: index,
    URL: pool.url,
    Status: "Alive",
    Priority: index,
    Quota: 1,
    "Long Poll": "N",
    Getworks: Math.floor(r.elapsedS / 30),
    Accepted: index === 0 ? r.accepted : 0,
    Rejected: index === 0 ? r.rejected : 0,
    Stale: 0,
    User: pool.user,
    "Last Share Time": index === 0 ? "0:00:03" : "0",
    Diff: "65.5K",
    "Stratum Active": index === 0,
    "Pool Rejected%": 0,
  }));
}

function chipString(good: number, bad: number): string {
  const marks = "o".repeat(good) + "x".repeat(bad);
  let out = "";
  for (let i = 0; i < marks.length; i += 8) out += ` ${marks.slice(i, i + 8)}`;
  return out;
}

function antminerStats(r: Reading): Row[] {
  const head: Row = {
    BMMiner: "1.0.0",
    Miner: "uart_trans.1.3",
    CompileTime: "Mon Aug 16 12:00:00 CST 2021",
    Type: r.model.label,
  };
  const row: Row = {
    STATS: 0,
    ID: "BTM_SOC0",
    Elapsed: r.elapsedS,
    Calls: 0,
    Wait: 0,
    Max: 0,
    Min: 99999999,
    "GHS 5s": ghs(r.ths5s).toFixed(2),
    "GHS av": ghs(r.thsAvg),
    miner_count: r.boards.length,
    frequency: "",
    fan_num: r.fans.length,
  };
  const s9 = r.model.id === "s9";
  // The S9 numbers its chains 6..8 and its fans 3 and 6; later models use 1..N.
  const slots = r.boards.map((_, index) => (s9 ? index + 6 : index + 1));
  const fanSlots = s9 ? [3, 6] : r.fans.map((_, index) => index + 1);
  for (let slot = 1; slot <= (s9 ? 8 : 4); slot++) {
    const fanAt = fanSlots.indexOf(slot);
    row[`fan${slot}`] = fanAt === -1 ? 0 : (r.fans[fanAt] ?? 0);
  }
  row.temp_num = r.boards.length;
  for (let slot = 1; slot <= (s9 ? 8 : 4); slot++) {
    const board = r.boards[slots.indexOf(slot)];
    row[`temp${slot}`] = board ? Math.round(board.pcbC) : 0;
    row[`temp2_${slot}`] = board ? Math.round(board.chipC) : 0;
    if (!s9) {
      row[`temp_pcb${slot}`] = board
        ? `${Math.round(board.pcbC - 4)}-${Math.round(board.pcbC)}-${Math.round(board.pcbC - 6)}-${Math.round(board.pcbC - 2)}`
        : "0-0-0-0";
      row[`temp_chip${slot}`] = board
        ? `${Math.round(board.chipC - 24)}-${Math.round(board.chipC)}-${Math.round(board.chipC - 27)}-${Math.round(board.chipC - 9)}`
        : "0-0-0-0";
    }
  }
  row.total_rateideal = ghs(r.model.nameplateThs);
  row.rate_unit = "GH";
  row.total_freqavg = 0;
  row.total_acn = r.boards.reduce((total, board) => total + board.chipsGood + board.chipsBad, 0);
  row.total_rate = ghs(r.ths5s);
  row.temp_max = Math.round(Math.max(...r.boards.map((board) => board.pcbC)));
  for (let slot = 1; slot <= (s9 ? 8 : 4); slot++) {
    const board = r.boards[slots.indexOf(slot)];
    row[`chain_acn${slot}`] = board ? board.chipsGood + board.chipsBad : 0;
    row[`chain_acs${slot}`] = board ? chipString(board.chipsGood, board.chipsBad) : "";
    row[`chain_hw${slot}`] = board ? Math.floor(r.hwErrors / r.boards.length) : 0;
    row[`chain_rate${slot}`] = board ? ghs(board.ths).toFixed(2) : "";
  }
  row.miner_version = "uart_trans.1.3";
  return [head, row];
}

function avalonModule(r: Reading): string {
  const tmax = Math.round(Math.max(...r.boards.map((board) => board.chipC)));
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

function devsRows(r: Reading): Row[] {
  return r.boards.map((board, index) => {
    const base: Row = {
      ASC: index,
      Name: r.family === "btminer" ? "SM" : r.family === "avalon" ? "AVA10" : "BTM",
      ID: index,
      Enabled: board.enabled ? "Y" : "N",
      Status: "Alive",
      Temperature: round2(board.pcbC),
      "MHS av": mhs(board.ths),
      "MHS 5s": mhs(board.ths),
      "MHS 1m": mhs(board.ths),
      "MHS 5m": mhs(board.ths),
      "MHS 15m": mhs(board.ths),
      Accepted: Math.floor(r.accepted / r.boards.length),
      Rejected: Math.floor(r.rejected / r.boards.length),
      "Hardware Errors": Math.floor(r.hwErrors / r.boards.length),
      "Last Valid Work": r.nowS,
    };
    if (r.family === "btminer") {
      return {
        ...base,
        Slot: index,
        "Chip Frequency": 612,
        "Factory GHS": Math.round((r.model.nameplateThs * 1e3) / r.boards.length),
        "Effective Chips": board.chipsGood,
        "Chip Temp Min": round2(board.chipC - 10),
        "Chip Temp Max": round2(board.chipC),
        "Chip Temp Avg": round2(board.chipC - 4),
      };
    }
    return base;
  });
}

/** The reply object for one read command; undefined when the firmware does not know it. */
export function readReply(command: string, r: Reading): ReplyObject | undefined {
  const status = (code: number, msg: string) => statusBlock(r.family, r.nowS, "S", code, msg);
  switch (command) {
    case "version":
      if (r.family === "btminer") return undefined; // btminer answers E/14; it has get_version instead
      if (r.family === "bmminer") {
        return {
          STATUS: status(22, "BMMiner versions"),
          VERSION: [
            {
              BMMiner: "1.0.0",
              API: "3.1",
              Miner: "uart_trans.1.3",
              CompileTime: "Mon Aug 16 12:00:00 CST 2021",
              Type: r.model.label,
            },
          ],
          id: 1,
        };
      }
      if (r.family === "avalon") {
        return {
          STATUS: status(22, "CGMiner versions"),
          VERSION: [
            {
              CGMiner: "4.11.1",
              API: "3.7",
              PROD: r.model.label,
              MODEL: r.model.id.replace(/\D/g, ""),
              HWTYPE: "MM4v2_X3",
              SWTYPE: "MM319",
              VERSION: "21042001_4ec6bb0_61407fa",
              MAC: "b4a2eb3b1f27",
              UPAPI: "2",
            },
          ],
          id: 1,
        };
      }
      return { STATUS: status(22, "CGMiner versions"), VERSION: [{ CGMiner: "4.12.1", API: "3.7" }], id: 1 };
    case "summary":
      return { STATUS: status(11, "Summary"), SUMMARY: [summaryRow(r)], id: 1 };
    case "pools":
      return { STATUS: status(7, `${r.pools.length} Pool(s)`), POOLS: poolRows(r), id: 1 };
    case "devs":
    case "edevs":
      return { STATUS: status(9, `${r.boards.length} ASC(s)`), DEVS: devsRows(r), id: 1 };
    case "devdetails":
      return {
        STATUS: status(69, "Device Details"),
        DEVDETAILS: r.boards.map((_, index) => ({
          DEVDETAILS: index,
          Name: r.family === "btminer" ? "SM" : "BTM",
          ID: index,
          Driver: r.family === "btminer" ? "bitmicro" : "cgminer",
          Kernel: "",
          Model: r.family === "btminer" ? `${r.model.label.replace(/^WhatsMiner\s*/i, "")}.V10` : r.model.label,
        })),
        id: 1,
      };
    case "stats": {
      if (r.family === "bmminer") return { STATUS: status(70, "CGMiner stats"), STATS: antminerStats(r), id: 1 };
      if (r.family === "avalon") {
        return {
          STATUS: status(70, "CGMiner stats"),
          STATS: [
            {
              STATS: 0,
              ID: "AVA100",
              Elapsed: r.elapsedS,
              Calls: 0,
              Wait: 0,
              Max: 0,
              Min: 99999999,
              "MM ID0": avalonModule(r),
              "MM Count": 1,
              "Smart Speed": 1,
              "Nonce Mask": 25,
            },
            { STATS: 1, ID: "POOL0", Elapsed: r.elapsedS, "Work Diff": 65536 },
          ],
          id: 1,
        };
      }
      return {
        STATUS: status(70, "CGMiner stats"),
        STATS: r.boards.map((_, index) => ({
          STATS: index,
          ID: `BTM${index}`,
          Elapsed: r.elapsedS,
          Calls: 0,
          Wait: 0,
          Max: 0,
          Min: 99999999,
        })),
        id: 1,
      };
    }
    default:
      return undefined;
  }
}
