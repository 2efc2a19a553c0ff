// Reading what one poll brought back: parse each reply, split a joined one, normalise, hash the
// raw bytes. Pure and synchronous, and never throws for a bad reply (it becomes a failure with a
// reason); the adapter does the network part and runs these for many polls together.

import { createHash, hash } from "node:crypto";
import type { Telemetry } from "../telemetry.ts";
import { parseLenientJson } from "./lenient-json.ts";
import { type MachineFacts, normalise } from "./normalise.ts";
import { type CommandReply, readCommandReply, readJoinedReply } from "./reply.ts";

export interface ReadContext {
  /** Model named in the miner's configuration. */
  configuredModel: string | undefined;
  /** What the last full poll established, for a routine poll. */
  known: MachineFacts | undefined;
}

export type Reading =
  | { ok: true; telemetry: Telemetry }
  | { ok: false; failure: "malformed" | "refused-command" | "no-data"; reason: string };

/** A joined request's reply: read, or refused (E/14 and the like), or unreadable as a whole. */
export type JoinedReading = { kind: "read"; reading: Reading } | { kind: "refused" } | { kind: "unreadable" };

/** One command's own request: its raw reply, or why the exchange failed. */
export type SingleExchange =
  | { command: string; ok: true; raw: Buffer }
  | { command: string; ok: false; message: string };

export function readJoined(commands: readonly string[], raw: Buffer, context: ReadContext): JoinedReading {
  const parsed = parseLenientJson(raw.toString("utf8"));
  if (!parsed.ok) return { kind: "unreadable" };
  const joined = readJoinedReply(commands, parsed.value);
  if (joined.kind !== "joined") return { kind: "refused" };
  return { kind: "read", reading: finish(joined.replies, [...parsed.repairs], [raw], context) };
}

/**
 * The replies to one request per command, in command order. `earlier` holds the raw reply of a
 * joined attempt that came first: it is part of what the miner sent, so part of the hash.
 */
export function readSeparate(
  exchanges: readonly SingleExchange[],
  earlier: readonly Buffer[],
  context: ReadContext,
): Reading {
  const replies: CommandReply[] = [];
  const repairs: string[] = [];
  const raws = [...earlier];
  for (const exchange of exchanges) {
    const { command } = exchange;
    if (!exchange.ok) {
      replies.push({ command, ok: false, status: undefined, sections: {}, error: exchange.message });
      continue;
    }
    raws.push(exchange.raw);
    const parsed = parseLenientJson(exchange.raw.toString("utf8"));
    if (!parsed.ok) {
      replies.push({ command, ok: false, status: undefined, sections: {}, error: `malformed reply: ${parsed.reason}` });
      continue;
    }
    for (const repair of parsed.repairs) repairs.push(`${command}: ${repair}`);
    replies.push(readCommandReply(command, parsed.value));
  }
  return finish(replies, repairs, raws, context);
}

function finish(replies: CommandReply[], repairs: string[], raws: readonly Buffer[], context: ReadContext): Reading {
  if (!replies.some((reply) => reply.ok)) {
    const malformed = replies.find((reply) => reply.error?.startsWith("malformed reply"));
    if (malformed) return { ok: false, failure: "malformed", reason: malformed.error ?? "malformed reply" };
    const first = replies.find((reply) => reply.error);
    return {
      ok: false,
      failure: "refused-command",
      reason: first ? `${first.command}: ${first.error}` : "no command succeeded",
    };
  }
  const result = normalise({
    replies,
    configuredModel: context.configuredModel,
    rawSha256: sha256(raws),
    repairs,
    known: context.known,
  });
  return result.ok ? result : { ok: false, failure: "no-data", reason: result.reason };
}

/** SHA-256 (hex) of the raw replies, in the order they came. */
export function sha256(parts: readonly Buffer[]): string {
  if (parts.length === 1) return hash("sha256", parts[0] as Buffer, "hex"); // one-shot: the common case
  const digest = createHash("sha256");
  for (const part of parts) digest.update(part);
  return digest.digest("hex");
}
