// The CGMiner adapter: polls a miner (all read commands joined with `+` in one request, one
// request per command for firmwares that refuse joins), normalises the telemetry, and sends
// actions. Nothing escapes as an exception: a bad reply is a failed poll with a reason.

import { BatchQueue } from "../batch-queue.ts";
import type { FirmwareFamily } from "../models.ts";
import type { Telemetry } from "../telemetry.ts";
import { defaultTransport, exchange, type TransportOptions, type TransportResult } from "./client.ts";
import { type MinerAction, planAction, pollCommands, routinePollCommands } from "./firmware.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { type MachineFacts, machineFacts } from "./normalise.ts";
import { type Reading, readJoined, readSeparate, type SingleExchange, sha256 } from "./poll-reading.ts";
import { readCommandReply } from "./reply.ts";

export interface MinerEndpoint {
  id: string;
  host: string;
  port: number;
  /** Model from configuration, used when the firmware does not report one. */
  model?: string;
}

export type PollFailure =
  | "unreachable"
  | "timeout"
  | "reply-too-large"
  | "malformed"
  | "refused-command"
  | "no-data"
  /** Something else answers on the address: a web server, an echo. */
  | "not-cgminer";

export type PollOutcome =
  | { ok: true; minerId: string; telemetry: Telemetry; elapsedMs: number }
  | { ok: false; minerId: string; failure: PollFailure; reason: string; rawSha256: string | null; elapsedMs: number };

export interface CommandResult {
  command: string;
  parameter: string;
  ok: boolean;
  /** The miner's status in one line, or the transport failure. */
  message: string;
}

export type ExecuteOutcome =
  | { status: "ok"; effect: string; results: CommandResult[] }
  | { status: "failed"; error: string; results: CommandResult[] }
  | { status: "unsupported"; why: string; results: [] };

/** What the adapter has learnt about one miner. */
interface Profile {
  family: FirmwareFamily | "unknown";
  joined: boolean;
  /** What the machine is, from the last full poll; null until one succeeds, and after a failure. */
  facts: MachineFacts | null;
  /** Routine polls since the last full one. */
  routinePolls: number;
  /** The uptime the last poll reported: a smaller one later means the miner restarted. */
  uptimeS: number | null;
}

/** A full poll (version, devdetails: what the machine is) at least this often, in polls. */
const defaultFullPollEvery = 120;

/**
 * A whole poll (every request to one miner, joined or one by one, a re-ask included) ends within
 * this many exchange deadlines: a firmware that refuses joins and answers each command slowly
 * would otherwise hold the cycle for up to ten of them ("a slow miner never stalls the cycle").
 */
const pollBudgetExchanges = 2;

/** Read requests by command: a fleet sends the same few thousands of times a cycle. */
const readRequests = new Map<string, string>();

function requestFor(command: string, parameter = ""): string {
  if (parameter !== "") return JSON.stringify({ command, parameter });
  let request = readRequests.get(command);
  if (request === undefined) {
    request = JSON.stringify({ command, parameter });
    if (readRequests.size < 1_000) readRequests.set(command, request);
  }
  return request;
}

/** What a poll sends: its commands, and the request that asks for them all joined with `+`. */
interface PollPlan {
  commands: readonly string[];
  joinedRequest: string;
}

/** Plans by firmware family, full and routine: the same two per family for every poll. */
const fullPlans = new Map<string, PollPlan>();
const routinePlans = new Map<string, PollPlan>();

function pollPlan(family: FirmwareFamily | "unknown", full: boolean): PollPlan {
  const plans = full ? fullPlans : routinePlans;
  let plan = plans.get(family);
  if (plan === undefined) {
    const commands = full ? pollCommands(family) : routinePollCommands(family);
    plan = { commands, joinedRequest: requestFor(commands.join("+")) };
    plans.set(family, plan);
  }
  return plan;
}

function transportFailure(result: Extract<TransportResult, { ok: false }>): PollFailure {
  if (result.failure === "too-large") return "reply-too-large"; // it answered: not "unreachable"
  if (result.failure === "not-cgminer") return "not-cgminer";
  return result.failure === "timeout" ? "timeout" : "unreachable";
}

export class CgminerAdapter {
  private readonly profiles = new Map<string, Profile>();
  private readonly transport: TransportOptions;
  private readonly fullPollEvery: number;
  /** Reply reading, batched across the polls in flight (see batch-queue.ts). */
  private readonly readings = new BatchQueue();

  constructor(options: { transport?: Partial<TransportOptions>; fullPollEvery?: number } = {}) {
    this.transport = { ...defaultTransport, ...options.transport };
    this.fullPollEvery = options.fullPollEvery ?? defaultFullPollEvery;
  }

  /** What this adapter has learnt about a miner (firmware family, whether joins work). */
  profile(minerId: string): Readonly<{ family: FirmwareFamily | "unknown"; joined: boolean }> {
    const profile = this.profiles.get(minerId);
    return profile ? { family: profile.family, joined: profile.joined } : { family: "unknown", joined: true };
  }

  private stored(minerId: string): Profile {
    return (
      this.profiles.get(minerId) ?? { family: "unknown", joined: true, facts: null, routinePolls: 0, uptimeS: null }
    );
  }

  /**
   * Full polls ask for everything; routine ones leave out what the last full poll established. A
   * full poll that learnt no model established nothing to leave out: the next one asks again.
   */
  private pollFull(profile: Profile): boolean {
    return profile.facts === null || profile.facts.model === null || profile.routinePolls + 1 >= this.fullPollEvery;
  }

  /** The request payloads the next poll of this miner sends, in order (the benchmark's floor sends the same). */
  pollRequests(minerId: string): string[] {
    const profile = this.stored(minerId);
    const plan = pollPlan(profile.family, this.pollFull(profile));
    return profile.joined ? [plan.joinedRequest] : plan.commands.map((command) => requestFor(command));
  }

  /** Sends one raw command and returns the transport result (for probes and the benchmark floor). */
  send(endpoint: MinerEndpoint, command: string, parameter = ""): Promise<TransportResult> {
    return exchange(endpoint.host, endpoint.port, requestFor(command, parameter), this.transport);
  }

  /**
   * The transport for a poll's next request: its deadlines cut to what is left of the poll's own
   * (pollBudgetMs from its start), or undefined once nothing is left.
   */
  private withinPoll(started: number): TransportOptions | undefined {
    const left = started + this.transport.totalTimeoutMs * pollBudgetExchanges - performance.now();
    if (left < 1) return undefined;
    if (left >= this.transport.totalTimeoutMs) return this.transport;
    return {
      ...this.transport,
      totalTimeoutMs: left,
      connectTimeoutMs: Math.min(this.transport.connectTimeoutMs, left),
    };
  }

  async poll(endpoint: MinerEndpoint): Promise<PollOutcome> {
    const started = performance.now();
    const profile = { ...this.stored(endpoint.id) };
    const full = this.pollFull(profile);
    const outcome = await this.pollOnce(endpoint, profile, full, started);
    // A routine poll that found the miner restarted (or changed) asks again for everything.
    return outcome === "restarted" ? await this.pollOnce(endpoint, profile, true, started) : outcome;
  }

  /**
   * One poll: the commands joined (or one by one where joins fail), parsed and normalised; a
   * failure is an outcome, never an exception. "restarted": a routine poll found the miner
   * restarted or speaking another firmware, so what the last full poll established may be stale.
   */
  private pollOnce(
    endpoint: MinerEndpoint,
    profile: Profile,
    full: true,
    started: number,
    askAgain?: boolean,
  ): Promise<PollOutcome>;
  private pollOnce(
    endpoint: MinerEndpoint,
    profile: Profile,
    full: boolean,
    started: number,
  ): Promise<PollOutcome | "restarted">;
  private async pollOnce(
    endpoint: MinerEndpoint,
    profile: Profile,
    full: boolean,
    started: number,
    askAgain = true,
  ): Promise<PollOutcome | "restarted"> {
    const plan = pollPlan(profile.family, full);
    const commands = plan.commands;
    const context = { configuredModel: endpoint.model, known: full ? undefined : (profile.facts ?? undefined) };
    const raws: Buffer[] = [];
    const failed = (failure: PollFailure, reason: string): PollOutcome => {
      // Whatever failed (a reboot, another firmware), the next success is a full poll.
      const known = this.profiles.get(endpoint.id);
      if (known) known.facts = null;
      return {
        ok: false,
        minerId: endpoint.id,
        failure,
        reason,
        rawSha256: raws.length > 0 ? sha256(raws) : null,
        elapsedMs: performance.now() - started,
      };
    };

    // The network part here; the reading (parse, normalise, hash) runs with other polls' readings.
    let reading: Reading | undefined;
    let joinedUnreadable = false;
    const pastDeadline = () =>
      `the poll passed its deadline (${this.transport.totalTimeoutMs * pollBudgetExchanges} ms, ${pollBudgetExchanges}× CGMINER_TIMEOUT_MS)`;
    if (profile.joined) {
      const transport = this.withinPoll(started);
      if (!transport) return failed("timeout", pastDeadline());
      const result = await exchange(endpoint.host, endpoint.port, plan.joinedRequest, transport);
      if (!result.ok) return failed(transportFailure(result), result.message);
      raws.push(result.raw);
      const joined = await this.readings.run(() => readJoined(commands, result.raw, context));
      if (joined.kind === "read") reading = joined.reading;
      else if (joined.kind === "refused")
        profile.joined = false; // ask one command at a time from now on
      else joinedUnreadable = true; // see whether single commands fare better before giving joins up
    }
    if (!reading) {
      const earlier = [...raws];
      const exchanges: SingleExchange[] = [];
      let outOfTime = false;
      for (const command of commands) {
        const transport = this.withinPoll(started);
        if (!transport) {
          // A firmware that answers one command at a time, slowly: what came back is read, the
          // rest is not asked, so the cycle does not wait on this miner past the deadline.
          if (exchanges.length === 0) return failed("timeout", pastDeadline());
          outOfTime = true;
          exchanges.push({ command, ok: false, message: `not asked: ${pastDeadline()}` });
          continue;
        }
        const result = await exchange(endpoint.host, endpoint.port, requestFor(command), transport);
        if (!result.ok) {
          if (exchanges.length === 0) return failed(transportFailure(result), result.message);
          exchanges.push({ command, ok: false, message: result.message });
          continue;
        }
        raws.push(result.raw);
        exchanges.push({ command, ok: true, raw: result.raw });
      }
      reading = await this.readings.run(() => readSeparate(exchanges, earlier, context));
      // Nothing usable before the deadline: that is the poll's failure, not the first refusal.
      if (!reading.ok && outOfTime) return failed("timeout", pastDeadline());
      // Some command answered on its own: joins are what this firmware garbles.
      if (joinedUnreadable && (reading.ok || reading.failure === "no-data")) profile.joined = false;
    }
    if (!reading.ok) return failed(reading.failure, reading.reason);
    const telemetry = reading.telemetry;
    // The first poll asks what any firmware answers; once the family is known, a full poll asks
    // again with what that family adds (btminer's devdetails, where a Whatsminer names its model),
    // so the model is learnt now rather than at the next full poll.
    const family = telemetry.firmware.family;
    if (
      full &&
      askAgain &&
      family !== profile.family &&
      pollCommands(family).some((command) => !commands.includes(command)) &&
      this.withinPoll(started)
    ) {
      const again = await this.pollOnce(endpoint, { ...profile, family }, true, started, false);
      // Out of time while asking again: what the first asking read stands (the model is learnt
      // at the next poll, which is full again since no model is known).
      if (again.ok) return again;
    }
    const restarted =
      telemetry.firmware.family !== profile.family ||
      // Another model at this address (see knownModel): what the last full poll learnt is another machine's.
      (!full && profile.facts !== null && telemetry.model !== profile.facts.model) ||
      (profile.uptimeS !== null && telemetry.uptimeS !== null && telemetry.uptimeS < profile.uptimeS);
    if (!full && restarted) return "restarted";
    profile.family = telemetry.firmware.family;
    profile.uptimeS = telemetry.uptimeS;
    if (full) {
      profile.facts = machineFacts(telemetry);
      profile.routinePolls = 0;
    } else profile.routinePolls++;
    this.profiles.set(endpoint.id, profile);
    return { ok: true, minerId: endpoint.id, telemetry, elapsedMs: performance.now() - started };
  }

  /** Carries out an action with the family's commands (see firmware.ts for what each means). */
  async execute(
    endpoint: MinerEndpoint,
    action: MinerAction,
    context: { family: FirmwareFamily | "unknown"; devices: number; nowMs: number },
  ): Promise<ExecuteOutcome> {
    const plan = planAction(context.family, action, context);
    if (!plan.supported) return { status: "unsupported", why: plan.why, results: [] };
    const results: CommandResult[] = [];
    for (const { command, parameter } of plan.commands) {
      const result = await this.send(endpoint, command, parameter);
      if (!result.ok) {
        results.push({ command, parameter, ok: false, message: result.message });
        return { status: "failed", error: result.message, results };
      }
      const parsed = parseLenientJson(result.raw.toString("utf8"));
      const reply = parsed.ok
        ? readCommandReply(command, parsed.value)
        : { ok: false, error: `malformed reply: ${parsed.reason}`, status: undefined };
      const message = reply.ok
        ? reply.status
          ? `${reply.status.letter}${reply.status.code === undefined ? "" : `/${reply.status.code}`} ${reply.status.msg ?? ""}`.trim()
          : "ok"
        : (reply.error ?? "failed");
      results.push({ command, parameter, ok: reply.ok, message });
      if (!reply.ok) return { status: "failed", error: `${command}|${parameter}: ${message}`, results };
    }
    return { status: "ok", effect: plan.effect, results };
  }
}
