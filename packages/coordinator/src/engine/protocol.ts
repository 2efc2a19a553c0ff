// What the HTTP thread and the engine's thread say to each other. Messages travel in batches (one
// postMessage per turn of the event loop, however many requests it carried), and every value is
// plain data the structured clone copies. Errors cross as data and are rebuilt on arrival, so a
// coded error (HttpError) keeps its code, status, details and headers.
import { HttpError } from "@pithead/http";
import type { DatabaseConfig } from "../config.ts";
import type { Policy } from "../ops/context.ts";
import type { JobEvent } from "../store/types.ts";
import type { CommandName } from "./commands.ts";
import type { ClaimCall, LedgerArchiveSettings } from "./engine.ts";

export type ToEngine =
  | { t: "command"; id: number; name: CommandName; input: unknown }
  | { t: "claim"; id: number; call: ClaimCall }
  /** The long-poll `id` ended on the HTTP side (client gone, server closing): answer it now. */
  | { t: "cancel"; id: number }
  | { t: "sweep"; id: number }
  | { t: "checkpoint"; id: number }
  | { t: "archive"; id: number }
  | { t: "close"; id: number };

export interface ToEngineBatch {
  /** The HTTP side's clock reading, when the coordinator runs on a clock other than the system's. */
  now?: number;
  messages: ToEngine[];
}

export type FromEngine =
  | { t: "ready" }
  | { t: "done"; id: number; value: unknown }
  | { t: "failed"; id: number; error: WireError }
  /** Committed job events, in commit order (SSE streams on the HTTP side). */
  | { t: "events"; events: JobEvent[] }
  | { t: "log"; level: "info" | "warn" | "error"; obj: Record<string, unknown>; msg: string }
  /** A database outage began (down) or ended, as the engine's writes found. */
  | { t: "outage"; down: boolean }
  /** The disk filled (full) or has room again, as the engine's writes found (heartbeats say it). */
  | { t: "diskFull"; full: boolean };

export interface EngineWorkerData {
  db: DatabaseConfig;
  ledgerPartition: string;
  receiptKeyFile: string;
  ledgerKeyFile: string;
  ledgerOrigin: string;
  policy: Policy;
  pollIntervalMs: number;
  /** Sweep every this many ms; null: tests sweep by hand. */
  sweepIntervalMs: number | null;
  checkpointIntervalMs: number;
  /** --ledger-archive-dir and its age; null: archiving is off. */
  ledgerArchive: LedgerArchiveSettings | null;
  /** The first clock reading when the HTTP side's clock is not the system's (tests step it). */
  carriedClock: number | null;
  /**
   * SQLite: commits started and commits durable, shared with the HTTP thread, whose reads wait for
   * the fsync of what they saw (store/sqlite/read-gate.ts).
   */
  durability: SharedArrayBuffer;
}

export type WireError =
  | {
      kind: "http";
      code: string;
      status: number;
      message: string;
      details?: Record<string, unknown> | undefined;
      headers?: Record<string, string> | undefined;
    }
  /** `code`: a system error's (ECONNREFUSED, EACCES…), so the CLI can say what to check. */
  | { kind: "error"; name: string; message: string; stack?: string | undefined; code?: string | undefined };

export function toWire(error: unknown): WireError {
  if (error instanceof HttpError) {
    return {
      kind: "http",
      code: error.code,
      status: error.status,
      message: error.message,
      details: error.details as Record<string, unknown> | undefined,
      headers: error.headers,
    };
  }
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { kind: "error", name: error.name, message: error.message, stack: error.stack, code };
  }
  return { kind: "error", name: "Error", message: String(error) };
}

export function fromWire(wire: WireError): Error {
  if (wire.kind === "http") return new HttpError(wire.code, wire.status, wire.message, wire.details, wire.headers);
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  if (wire.code !== undefined) (error as NodeJS.ErrnoException).code = wire.code;
  return error;
}
