// One simulated miner: nameplate hashrate and efficiency from its model, noise, a thermal model
// (chip temperature relaxes toward ambient + k × power), share counters, restart/quit with a
// reboot delay, stop/start where its firmware has them, and faults on demand. All of its time
// comes from an injected clock, so a test can move it hours ahead in one step.

import type { Clock } from "../clock.ts";
import type { FirmwareFamily, ModelSpec } from "../models.ts";
import type { Fault, FaultKind } from "./faults.ts";
import { type Random, seededRandom } from "./random.ts";
import { type BoardReading, errorReply, type Reading, readCommands, readReply, statusBlock } from "./replies.ts";

export interface SimulatedMinerOptions {
  id: string;
  model: ModelSpec;
  /** Firmware to speak; default the model's own. */
  firmware?: FirmwareFamily;
  seed: number;
  clock: Clock;
  ambientC?: number;
  pools?: { url: string; user: string }[];
  /** Sim-time the API is down after `restart`. */
  restartDowntimeMs?: number;
  /** Sim-time before a watchdog brings the miner back after `quit`. */
  quitDowntimeMs?: number;
  /** Privileged commands allowed (as with --api-allow W:...). */
  allowWrite?: boolean;
  /** How long it has been up already; default one to ten days (seeded). */
  upForMs?: number;
}

/** What the network side should do with a request. */
export type Response =
  | { kind: "reply"; text: string; delayMs: number; truncate: boolean }
  | { kind: "drop" }
  | { kind: "hang" };

const thermalTimeConstantS = 60;
const privileged = new Set([
  "restart",
  "quit",
  "ascdisable",
  "ascenable",
  "ascset",
  "switchpool",
  "enablepool",
  "disablepool",
  "addpool",
  "removepool",
  "save",
]);

export class SimulatedMiner {
  readonly id: string;
  readonly model: ModelSpec;
  readonly family: FirmwareFamily;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly options: Required<
    Pick<SimulatedMinerOptions, "ambientC" | "restartDowntimeMs" | "quitDowntimeMs" | "allowWrite">
  > & { pools: { url: string; user: string }[] };
  private readonly faults = new Map<FaultKind, Fault>();
  private bootedAt: number;
  private downUntil: number | null = null;
  private lastUpdate: number;
  private chipC: number;
  private shares = 0;
  private boardHealth: number[];
  private disabled: boolean[];
  private softOff = false;
  /** While `impossible:counters-backwards` is on: the share count it started from and when. */
  private backwards: { fromShares: number; sinceMs: number } | null = null;
  /** Number of restarts and quits obeyed, for tests. */
  restarts = 0;
  /** Every privileged command obeyed, in order, for tests: "restart", "ascdisable|0", ... */
  readonly commandLog: string[] = [];
  /**
   * Rendered read replies, reused within one second of sim time until the miner's state changes:
   * a real miner refreshes its figures every few seconds too, and rendering is the simulator's
   * main cost when it serves thousands of miners.
   */
  private readonly rendered = new Map<string, { second: number; version: number; text: string }>();
  private version = 0;

  constructor(options: SimulatedMinerOptions) {
    this.id = options.id;
    this.model = options.model;
    this.family = options.firmware ?? options.model.firmware;
    this.clock = options.clock;
    this.random = seededRandom(options.seed);
    this.options = {
      ambientC: options.ambientC ?? 25,
      restartDowntimeMs: options.restartDowntimeMs ?? 20_000,
      quitDowntimeMs: options.quitDowntimeMs ?? 60_000,
      allowWrite: options.allowWrite ?? true,
      pools: options.pools ?? [
        { url: "stratum+tcp://pool.example.net:3333", user: `pithead.${options.id}` },
        { url: "stratum+tcp://backup.example.net:3333", user: `pithead.${options.id}` },
      ],
    };
    const now = this.clock.now();
    // Up for a few days already, at thermal equilibrium.
    const upFor = Math.floor((1 + this.random.next() * 9) * 86_400_000);
    this.bootedAt = now - (options.upForMs ?? upFor);
    this.lastUpdate = now;
    this.boardHealth = Array.from({ length: this.model.boards }, () => 0.97 + this.random.next() * 0.05);
    this.disabled = Array.from({ length: this.model.boards }, () => false);
    this.chipC = this.thermalTarget();
    this.shares = ((now - this.bootedAt) / 1000) * this.sharesPerSecond();
  }

  setFault(fault: Fault): void {
    this.update();
    this.faults.set(fault.kind, fault);
    this.backwards =
      fault.kind === "impossible" && fault.value === "counters-backwards"
        ? { fromShares: this.shares, sinceMs: this.clock.now() }
        : fault.kind === "impossible"
          ? null
          : this.backwards;
    this.version++;
  }

  clearFault(kind: FaultKind): void {
    this.update();
    this.faults.delete(kind);
    if (kind === "impossible") this.backwards = null;
    this.version++;
  }

  clearFaults(): void {
    this.update();
    this.faults.clear();
    this.backwards = null;
    this.version++;
  }

  hasFault(kind: FaultKind): boolean {
    return this.faults.has(kind);
  }

  /** True while the API should accept connections at all. */
  get listening(): boolean {
    return !this.faults.has("unreachable");
  }

  /** Physical state right now, for tests and the simulate command. */
  snapshot(): { up: boolean; hashing: boolean; chipC: number; powerW: number; ths: number; elapsedS: number } {
    this.update();
    return {
      up: this.isUp(),
      hashing: this.hashFraction() > 0,
      chipC: this.chipC,
      powerW: this.powerW(),
      ths: this.trueThs(),
      elapsedS: this.elapsedS(),
    };
  }

  private isUp(): boolean {
    return this.downUntil === null;
  }

  private hashFraction(): number {
    if (!this.isUp() || this.softOff) return 0;
    if (this.faults.has("stalled")) return 0;
    const low = this.faults.get("low-hashrate");
    const enabled = this.disabled.filter((off) => !off).length / this.disabled.length;
    return enabled * (low?.kind === "low-hashrate" ? low.fraction : 1);
  }

  private trueThs(): number {
    const fraction = this.hashFraction();
    const health = this.boardHealth.reduce((a, b) => a + b, 0) / this.boardHealth.length;
    return this.model.nameplateThs * fraction * health;
  }

  private powerW(): number {
    const nameplate = this.model.nameplateThs * this.model.joulesPerTh;
    if (!this.isUp()) return nameplate * 0.02;
    const idle = nameplate * 0.04;
    return idle + (nameplate - idle) * this.hashFraction();
  }

  private thermalTarget(): number {
    const nameplate = this.model.nameplateThs * this.model.joulesPerTh;
    const k = 50 / nameplate; // °C per watt: 50 °C above ambient at full power
    const cooling = this.faults.has("over-temperature") ? 1.7 : 1;
    return this.options.ambientC + k * this.powerW() * cooling;
  }

  private sharesPerSecond(): number {
    return this.trueThs() * 0.01;
  }

  private elapsedS(): number {
    return Math.max(0, Math.floor((this.clock.now() - this.bootedAt) / 1000));
  }

  /** Moves the physics to the clock's now (closed-form, so any step size is exact). */
  private update(): void {
    const now = this.clock.now();
    if (this.downUntil !== null && now >= this.downUntil) {
      this.advancePhysics(this.downUntil);
      this.bootedAt = this.downUntil;
      this.downUntil = null;
      this.shares = 0;
      this.disabled = this.disabled.map(() => false);
      this.softOff = false;
      this.version++;
    }
    this.advancePhysics(now);
  }

  private advancePhysics(to: number): void {
    const dtS = (to - this.lastUpdate) / 1000;
    if (dtS <= 0) return;
    const target = this.thermalTarget();
    this.chipC = target + (this.chipC - target) * Math.exp(-dtS / thermalTimeConstantS);
    this.shares += dtS * this.sharesPerSecond();
    this.lastUpdate = to;
  }

  private reading(): Reading {
    const noise = 1 + this.random.normal(0.015);
    let ths5s = this.trueThs() * noise;
    const thsAvg = this.trueThs();
    const impossible = this.faults.get("impossible");
    const value = impossible?.kind === "impossible" ? impossible.value : undefined;
    if (value === "negative-hashrate") ths5s = -Math.abs(ths5s) - 1;
    if (value === "hashrate-spike") ths5s = this.model.nameplateThs * 4;
    let chipC = this.chipC;
    if (value === "temperature") chipC = 212;
    const fraction = this.hashFraction();
    const boards: BoardReading[] = this.boardHealth.map((health, index) => {
      const bad = fraction > 0 && health < 0.98 ? 1 : 0;
      return {
        ths: this.disabled[index]
          ? 0
          : (ths5s / this.model.boards) *
            (health / (this.boardHealth.reduce((a, b) => a + b, 0) / this.boardHealth.length || 1)),
        chipC: chipC + (index - 1) * 1.5,
        pcbC: chipC - 15 + (index - 1),
        chipsGood: this.model.chipsPerBoard - bad,
        chipsBad: bad,
        enabled: !this.disabled[index],
      };
    });
    const fanRpm = Math.round(3000 + Math.max(0, this.chipC - 60) * 120 + this.random.normal(30));
    const accepted = Math.floor(this.backwards ? this.countingDown(this.backwards) : this.shares);
    return {
      nowS: Math.floor(this.clock.now() / 1000),
      elapsedS: this.elapsedS(),
      model: this.model,
      family: this.family,
      ths5s,
      thsAvg,
      boards,
      fans: Array.from({ length: this.model.fans }, (_, index) => fanRpm + index * 30),
      powerW: value === "zero-power" ? 0 : this.powerW(),
      ambientC: this.options.ambientC,
      accepted,
      rejected: Math.floor(accepted * 0.003),
      hwErrors: Math.floor(accepted * 0.001),
      pools: this.options.pools,
      hashing: fraction > 0,
    };
  }

  /**
   * The accepted count under `impossible:counters-backwards`: from where it stood when the fault
   * came on, it falls as fast as it would have risen (at least one share a second), so every poll
   * reads lower than the one before while the uptime goes on — from the first poll after launch.
   */
  private countingDown(from: { fromShares: number; sinceMs: number }): number {
    const elapsedS = Math.max(0, (this.clock.now() - from.sinceMs) / 1000);
    return Math.max(0, from.fromShares - elapsedS * Math.max(1, this.sharesPerSecond()));
  }

  /** Answers one API request (the raw text the client sent). */
  handle(requestText: string): Response {
    this.update();
    if (!this.isUp()) return { kind: "drop" }; // rebooting: the API is not there
    if (this.faults.has("hang")) return { kind: "hang" };
    const slow = this.faults.get("slow");
    const delayMs = slow?.kind === "slow" ? slow.delayMs : 0;
    const malformed = this.faults.get("malformed");
    const form = malformed?.kind === "malformed" ? malformed.form : undefined;

    let text = this.replyText(requestText);
    if (form) text = damage(text, form);
    return { kind: "reply", text, delayMs, truncate: form === "truncated" };
  }

  private replyText(requestText: string): string {
    const nowS = Math.floor(this.clock.now() / 1000);
    const request = parseRequest(requestText);
    if (!request) return JSON.stringify(errorReply(this.family, nowS, 23, "Invalid JSON"));
    const { command, parameter } = request;
    if (command.includes("+")) {
      if (command.split("+").some((part) => privileged.has(part))) return this.invalidCommand(nowS);
    } else if (privileged.has(command)) return JSON.stringify(this.privileged(command, parameter, nowS));
    const cached = this.rendered.get(command);
    if (cached && cached.second === nowS && cached.version === this.version) return cached.text;
    const text = this.readText(command, nowS);
    this.rendered.set(command, { second: nowS, version: this.version, text });
    return text;
  }

  private invalidCommand(nowS: number): string {
    return JSON.stringify(errorReply(this.family, nowS, 14, "Invalid command"));
  }

  /** The reply to a read command, or to several joined with "+" (each section a one-element array). */
  private readText(command: string, nowS: number): string {
    if (!command.includes("+")) return readReply(command, this.reading()) ?? this.invalidCommand(nowS);
    if (this.family === "btminer" || this.faults.has("no-joins")) return this.invalidCommand(nowS);
    const parts = command.split("+");
    const reading = this.reading();
    const render = (part: string) => readReply(part, reading) ?? this.invalidCommand(nowS);
    if (parts.every((part, index) => readCommands.has(part) && parts.indexOf(part) === index)) {
      return `{${parts.map((part) => `"${part}":[${render(part)}]`).join(",")},"id":1}`;
    }
    // Odd joins (repeated or unknown parts): as an object, with JavaScript's key order and merging.
    const joined: Record<string, unknown> = {};
    for (const part of parts) joined[part] = [JSON.parse(render(part))];
    joined.id = 1;
    return JSON.stringify(joined);
  }

  private privileged(command: string, parameter: string, nowS: number): object {
    if (!this.options.allowWrite || this.faults.has("read-only") || this.family === "btminer") {
      if (this.family === "btminer") return errorReply(this.family, nowS, 14, "invalid cmd");
      return errorReply(this.family, nowS, 45, `Access denied to '${command}' command`);
    }
    const ok = (letter: string, code: number, msg: string) => ({
      STATUS: statusBlock(this.family, nowS, letter, code, msg),
      id: 1,
    });
    const log = () => {
      this.commandLog.push(parameter ? `${command}|${parameter}` : command);
      this.version++;
    };
    switch (command) {
      case "restart":
        log();
        this.restarts++;
        this.downUntil = this.clock.now() + this.options.restartDowntimeMs;
        return { STATUS: "RESTART" };
      case "quit":
        log();
        this.restarts++;
        this.downUntil = this.clock.now() + this.options.quitDowntimeMs;
        return { STATUS: "BYE" };
      case "ascdisable":
      case "ascenable": {
        if (this.family !== "cgminer" && this.family !== "avalon")
          return errorReply(this.family, nowS, 14, "Invalid command");
        const index = Number(parameter);
        if (!Number.isInteger(index) || index < 0 || index >= this.disabled.length) {
          return errorReply(
            this.family,
            nowS,
            107,
            `Invalid ASC id ${parameter} - range is 0 - ${this.disabled.length - 1}`,
          );
        }
        log();
        const disable = command === "ascdisable";
        const already = this.disabled[index] === disable;
        this.disabled[index] = disable;
        if (already) return ok("I", disable ? 109 : 108, `ASC ${index} already ${disable ? "disabled" : "enabled"}`);
        return ok(
          "I",
          disable ? 111 : 110,
          disable ? `ASC ${index} set disable flag` : `ASC ${index} sent enable message`,
        );
      }
      case "ascset": {
        if (this.family !== "avalon") return errorReply(this.family, nowS, 117, "ASC 0 does not support ascset");
        const [, option] = parameter.split(",");
        if (option === "softoff" || option === "softon") {
          log();
          this.softOff = option === "softoff";
          return ok("S", 119, "ASC 0 set OK");
        }
        return errorReply(this.family, nowS, 120, `ASC 0 set failed: unknown option ${option ?? ""}`);
      }
      default:
        log();
        return ok("S", 47, `${command} accepted`);
    }
  }
}

/** Parsed requests by their text: a fleet's controller sends the same few requests over and over. */
const parsedRequests = new Map<string, { command: string; parameter: string } | undefined>();

function parseRequest(text: string): { command: string; parameter: string } | undefined {
  if (parsedRequests.has(text)) return parsedRequests.get(text);
  const request = readRequest(text);
  if (parsedRequests.size < 10_000) parsedRequests.set(text, request);
  return request;
}

function readRequest(text: string): { command: string; parameter: string } | undefined {
  const trimmed = text.replace(/\0/g, "").trim();
  if (trimmed.startsWith("{")) {
    try {
      const value = JSON.parse(trimmed) as { command?: unknown; cmd?: unknown; parameter?: unknown };
      const command =
        typeof value.command === "string" ? value.command : typeof value.cmd === "string" ? value.cmd : undefined;
      if (!command) return undefined;
      return {
        command: command.toLowerCase(),
        parameter: value.parameter === undefined ? "" : String(value.parameter),
      };
    } catch {
      return undefined;
    }
  }
  // cgminer's plain-text form: "command|parameter".
  const [command = "", parameter = ""] = trimmed.split("|", 2);
  return /^[a-z+]+$/i.test(command) ? { command: command.toLowerCase(), parameter } : undefined;
}

/** Breaks a reply the ways real firmwares do. */
function damage(text: string, form: string): string {
  switch (form) {
    case "missing-comma": {
      const at = text.lastIndexOf("},{");
      return at === -1 ? text.replace("}]", "}{}]") : `${text.slice(0, at)}}{${text.slice(at + 3)}`;
    }
    case "trailing-comma":
      return text.replace(/}]/g, "},]").replace(/^{/, "{,");
    case "bare-inf":
      return text.replace(/"(MHS 1m|GHS av|Utility)":(-?[\d.]+)/, '"$1":inf');
    case "newline":
      return text.replace(/"Description":"([^"]*)"/, '"Description":"$1\nbuild 7"');
    case "garbage":
      return "<html><body>502 Bad Gateway</body></html>";
    default:
      return text; // "truncated" is applied on the wire
  }
}
