// The CGMiner adapter: polls a miner (all read commands joined with `+` in one request, one
// request per command for firmwares that refuse joins), normalises the telemetry, and sends
// actions. Nothing escapes as an exception: a bad reply is a failed poll with a reason.

import { createHash } from "node:crypto";
import type { FirmwareFamily } from "../models.ts";
import type { Telemetry } from "../telemetry.ts";
import { defaultTransport, exchange, type TransportOptions, type TransportResult } from "./client.ts";
import { type MinerAction, planAction, pollCommands } from "./firmware.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { normalise } from "./normalise.ts";
import { type CommandReply, readCommandReply, readJoinedReply } from "./reply.ts";

export interface MinerEndpoint {
  id: string;
  host: string;
  port: number;
  /** Model from configuration, used when the firmware does not report one. */
  model?: string;
}

export type PollFailure = "unreachable" | "timeout" | "malformed" | "refused-command" | "no-data";

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

interface Profile {
  family: FirmwareFamily | "unknown";
  joined: boolean;
}

function requestFor(command: string, parameter = ""): string {
  return JSON.stringify({ command, parameter });
}

function transportFailure(result: Extract<TransportResult, { ok: false }>): PollFailure {
  return result.failure === "timeout" ? "timeout" : "unreachable";
}

export class CgminerAdapter {
  private readonly profiles = new Map<string, Profile>();
  private readonly transport: TransportOptions;

  constructor(options: { transport?: Partial<TransportOptions> } = {}) {
    this.transport = { ...defaultTransport, ...options.transport };
  }

  /** What this adapter has learnt about a miner (firmware family, whether joins work). */
  profile(minerId: string): Readonly<Profile> {
    return this.profiles.get(minerId) ?? { family: "unknown", joined: true };
  }

  /** Sends one raw command and returns the transport result (for probes and the benchmark floor). */
  send(endpoint: MinerEndpoint, command: string, parameter = ""): Promise<TransportResult> {
    return exchange(endpoint.host, endpoint.port, requestFor(command, parameter), this.transport);
  }

  async poll(endpoint: MinerEndpoint): Promise<PollOutcome> {
    const started = performance.now();
    const profile = { ...this.profile(endpoint.id) };
    const commands = pollCommands(profile.family);
    const raws: Buffer[] = [];
    const repairs: string[] = [];
    const failed = (failure: PollFailure, reason: string): PollOutcome => ({
      ok: false,
      minerId: endpoint.id,
      failure,
      reason,
      rawSha256: raws.length > 0 ? sha256(raws) : null,
      elapsedMs: performance.now() - started,
    });

    let replies: CommandReply[] | undefined;
    let joinedUnreadable = false;
    if (profile.joined) {
      const result = await this.send(endpoint, commands.join("+"));
      if (!result.ok) return failed(transportFailure(result), result.message);
      raws.push(result.raw);
      const parsed = parseLenientJson(result.raw.toString("utf8"));
      if (parsed.ok) {
        const joined = readJoinedReply(commands, parsed.value);
        if (joined.kind === "joined") {
          replies = joined.replies;
          repairs.push(...parsed.repairs);
        } else profile.joined = false; // the firmware refused the join: ask one command at a time from now on
      } else joinedUnreadable = true; // see whether single commands fare better before giving joins up
    }
    if (!replies) {
      replies = [];
      for (const command of commands) {
        const result = await this.send(endpoint, command);
        if (!result.ok) {
          if (replies.length === 0) return failed(transportFailure(result), result.message);
          replies.push({ command, ok: false, status: undefined, sections: {}, error: result.message });
          continue;
        }
        raws.push(result.raw);
        const parsed = parseLenientJson(result.raw.toString("utf8"));
        if (!parsed.ok) {
          replies.push({
            command,
            ok: false,
            status: undefined,
            sections: {},
            error: `malformed reply: ${parsed.reason}`,
          });
          continue;
        }
        repairs.push(...parsed.repairs.map((repair) => `${command}: ${repair}`));
        replies.push(readCommandReply(command, parsed.value));
      }
    }

    if (joinedUnreadable && replies.some((reply) => reply.ok)) profile.joined = false;
    if (!replies.some((reply) => reply.ok)) {
      const malformed = replies.find((reply) => reply.error?.startsWith("malformed reply"));
      if (malformed) return failed("malformed", malformed.error ?? "malformed reply");
      const first = replies.find((reply) => reply.error);
      return failed("refused-command", first ? `${first.command}: ${first.error}` : "no command succeeded");
    }
    const result = normalise({ replies, configuredModel: endpoint.model, rawSha256: sha256(raws), repairs });
    if (!result.ok) return failed("no-data", result.reason);
    profile.family = result.telemetry.firmware.family;
    this.profiles.set(endpoint.id, profile);
    return { ok: true, minerId: endpoint.id, telemetry: result.telemetry, elapsedMs: performance.now() - started };
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

function sha256(parts: readonly Buffer[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}
