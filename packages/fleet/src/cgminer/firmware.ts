// Which firmware answered, and what each one can do when asked to STOP, RUN or RESTART.
// cgminer has no clean "stop hashing" command, so each family gets an honest answer:
//
//   cgminer  (generic, ASC devices)  STOP: `ascdisable|N` for every ASC (devices flagged off, the
//            process and fans keep running, power drops to idle); RUN: `ascenable|N`;
//            RESTART: `restart`. All privileged: the miner needs `--api-allow W:<controller ip>`.
//   bmminer  (stock Antminer)        RESTART: `restart` (privileged; stock firmware allows only
//            stats/pools/devs/summary/version remotely, so expect E/45 unless W access was added).
//            STOP/RUN: not available over the CGMiner API; use the web UI's sleep mode or a
//            firmware with a sleep command. Recorded as suppressed, never faked.
//   btminer  (Whatsminer)            power_off/power_on/restart_btminer exist but need btminer's
//            encrypted token API (admin password); this adapter does not hold that password, so
//            every action is recorded as unsupported.
//   avalon   (Canaan)                STOP: `ascset|0,softoff,1:<unix time>` (hashboards powered
//            down, controller reachable); RUN: `ascset|0,softon,1:<unix time>`; RESTART: `restart`.

import type { FirmwareFamily } from "../models.ts";
import { isAntminerStats } from "./antminer-stats.ts";
import type { JsonObject } from "./lenient-json.ts";
import { lookup, toText } from "./values.ts";

export type MinerAction = "RUN" | "STOP" | "RESTART";

export interface ApiCommand {
  command: string;
  parameter: string;
}

export type ActionPlan =
  | { supported: true; commands: ApiCommand[]; effect: string }
  | { supported: false; why: string };

export interface DetectInput {
  version: JsonObject | undefined;
  summary: JsonObject | undefined;
  stats: readonly JsonObject[];
  description: string | undefined;
}

/** Identifies the firmware family from what it answered. */
export function detectFamily(input: DetectInput): FirmwareFamily | "unknown" {
  const { version, summary, stats } = input;
  const description = (input.description ?? "").toLowerCase();
  if (version && lookup(version, "BMMiner") !== undefined) return "bmminer";
  if (description.includes("btminer") || description.includes("whatsminer")) return "btminer";
  if (summary && (lookup(summary, "Factory GHS") !== undefined || lookup(summary, "Fan Speed In") !== undefined))
    return "btminer";
  if (stats.some(hasModuleKey)) return "avalon";
  const product = `${toText(version?.PROD) ?? ""} ${toText(version?.MODEL) ?? ""}`.toLowerCase();
  if (product.includes("avalon")) return "avalon";
  if (stats.some((row) => lookup(row, "BMMiner") !== undefined)) return "bmminer";
  if (stats.some(isAntminerStats)) return "bmminer";
  if (version && lookup(version, "CGMiner") !== undefined) return "cgminer";
  if (description.includes("cgminer")) return "cgminer";
  return summary ? "cgminer" : "unknown";
}

/** An Avalon stats row: it carries the modules' state as "MM ID0", "MM ID1", ... */
function hasModuleKey(row: JsonObject): boolean {
  for (const key in row) if (key.charCodeAt(0) === 0x4d && key.startsWith("MM ID")) return true; // M
  return false;
}

/** The read commands worth asking each family for; the first poll asks for everything. */
export function pollCommands(family: FirmwareFamily | "unknown"): string[] {
  return [...fullCommands[family]];
}

/**
 * A routine poll leaves out what only says what the machine is (version, devdetails): the
 * adapter learnt it on a full poll and asks again after a restart and now and then. For
 * btminer, which refuses joined commands, that is one connection fewer per poll.
 */
export function routinePollCommands(family: FirmwareFamily | "unknown"): string[] {
  return [...routineCommands[family]];
}

const fullCommands: Record<FirmwareFamily | "unknown", string[]> = {
  bmminer: ["version", "summary", "pools", "stats"],
  btminer: ["summary", "devs", "pools", "devdetails"],
  avalon: ["version", "summary", "pools", "stats"],
  cgminer: ["version", "summary", "devs", "pools"],
  unknown: ["version", "summary", "devs", "pools", "stats"],
};

const routineCommands: Record<FirmwareFamily | "unknown", string[]> = {
  bmminer: ["summary", "pools", "stats"],
  btminer: ["summary", "devs", "pools"],
  avalon: ["summary", "pools", "stats"],
  cgminer: ["summary", "devs", "pools"],
  unknown: fullCommands.unknown,
};

/** What an action means for a firmware family. `devices` is the number of ASCs (cgminer). */
export function planAction(
  family: FirmwareFamily | "unknown",
  action: MinerAction,
  context: { devices: number; nowMs: number },
): ActionPlan {
  const unix = Math.floor(context.nowMs / 1000);
  const everyDevice = (command: string) =>
    Array.from({ length: Math.max(1, context.devices) }, (_, index) => ({ command, parameter: String(index) }));
  switch (family) {
    case "cgminer":
      if (action === "RESTART")
        return {
          supported: true,
          commands: [{ command: "restart", parameter: "" }],
          effect: "cgminer restarts; hashing resumes after initialisation",
        };
      if (action === "STOP") {
        return {
          supported: true,
          commands: everyDevice("ascdisable"),
          effect: "every ASC flagged disabled: no hashing, process and fans keep running, power at idle",
        };
      }
      return { supported: true, commands: everyDevice("ascenable"), effect: "every ASC re-enabled: hashing resumes" };
    case "bmminer":
      if (action === "RESTART")
        return {
          supported: true,
          commands: [{ command: "restart", parameter: "" }],
          effect: "bmminer restarts; needs W access (--api-allow), which stock firmware does not grant",
        };
      return {
        supported: false,
        why: "stock Antminer firmware (bmminer) has no stop/start command on the CGMiner API; use the web UI's sleep mode or a firmware with a sleep command",
      };
    case "btminer":
      return {
        supported: false,
        why: "Whatsminer btminer's power_off/power_on/restart_btminer need the encrypted token API and the admin password, which this controller does not hold",
      };
    case "avalon":
      if (action === "RESTART")
        return {
          supported: true,
          commands: [{ command: "restart", parameter: "" }],
          effect: "cgminer on the Avalon controller restarts",
        };
      if (action === "STOP")
        return {
          supported: true,
          commands: [{ command: "ascset", parameter: `0,softoff,1:${unix}` }],
          effect: "Avalon soft-off: hashboards powered down, controller stays reachable",
        };
      return {
        supported: true,
        commands: [{ command: "ascset", parameter: `0,softon,1:${unix}` }],
        effect: "Avalon soft-on: hashboards powered up",
      };
    default:
      return { supported: false, why: "the firmware has not been identified yet (no successful poll)" };
  }
}
