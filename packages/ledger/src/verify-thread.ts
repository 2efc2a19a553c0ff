// A partition's whole verification (reading, hashing, the chain, citations, checkpoints) on a thread
// of its own, so that a service's event loop keeps serving while a large partition is checked and
// verifies of different partitions run side by side. The thread opens the same store itself
// (verify-thread-worker.ts) and hands back what ChainVerifier.finish gives, progress as it goes, or
// the error that stopped it, rebuilt as its own class: callers tell errors apart by class or name.
import { Worker } from "node:worker_threads";
import { type ArchiveDirs, ArchiveUnavailableError } from "./archive-locate.ts";
import { RecordArchivedError } from "./archive-manifest.ts";
import { LedgerCorruptError, LedgerLockedError } from "./backend.ts";
import type { ChainVerifierOptions, VerifyReport } from "./chain-verifier.ts";
import { LedgerValueError } from "./json.ts";
import type { LedgerStoreOptions } from "./open-ledger.ts";
import { LedgerPartitionError } from "./partition.ts";
import { LedgerFormatError } from "./signed-note.ts";

/** What the thread is asked (structured-cloned to it). */
export interface VerifyJob {
  store: LedgerStoreOptions;
  partition: string;
  verifier: ChainVerifierOptions;
  trusted: readonly string[];
  archive?: ArchiveDirs;
  /** the caller listens to progress: the thread posts it */
  progress: boolean;
}

/** An error as it crosses threads: its class by name, and its own fields (code, partition, path…). */
export interface CrossedError {
  name: string;
  message: string;
  stack?: string;
  fields: Record<string, unknown>;
}

export type VerifyThreadMessage =
  | { kind: "progress"; done: number; total: number }
  | { kind: "report"; report: VerifyReport }
  | { kind: "error"; error: CrossedError };

/** The ledger's errors a verify can throw, rebuilt as themselves on this side. */
const errorClasses: { name: string; prototype: Error }[] = [
  LedgerCorruptError,
  LedgerLockedError,
  LedgerFormatError,
  LedgerValueError,
  LedgerPartitionError,
  ArchiveUnavailableError,
  RecordArchivedError,
];

export function crossed(error: unknown): CrossedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error), fields: {} };
  let fields: Record<string, unknown> = {};
  try {
    fields = structuredClone({ ...error });
  } catch {
    // A field that cannot cross (a function, a socket): the name and message still say what happened.
  }
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}), fields };
}

function rebuilt(thrown: CrossedError): Error {
  const error = new Error(thrown.message);
  const known = errorClasses.find((type) => type.name === thrown.name);
  if (known) Object.setPrototypeOf(error, known.prototype);
  Object.assign(error, thrown.fields, { name: thrown.name });
  if (thrown.stack) error.stack = thrown.stack;
  return error;
}

/** An idle thread is kept this long for the next verify: starting one costs a few hundred ms of CPU (loading the ledger's code). */
const IDLE_MS = 10_000;
/** Captured at load so that a host's fake timers cannot keep idle threads alive or end busy ones. */
const later = globalThis.setTimeout;
const cancel = globalThis.clearTimeout;

/** Threads that finished a verify, shared by every ledger of the process; each ends after IDLE_MS unused. */
const idle: { worker: Worker; timer: ReturnType<typeof setTimeout>; onExit: () => void }[] = [];

function takeThread(): Worker {
  const kept = idle.pop();
  if (kept) {
    cancel(kept.timer);
    kept.worker.off("exit", kept.onExit);
    kept.worker.ref();
    return kept.worker;
  }
  return new Worker(new URL("./verify-thread-worker.ts", import.meta.url));
}

function keepThread(worker: Worker): void {
  worker.unref();
  const drop = () => {
    const at = idle.indexOf(entry);
    if (at >= 0) idle.splice(at, 1);
  };
  const entry = {
    worker,
    timer: later(() => {
      drop();
      void worker.terminate();
    }, IDLE_MS),
    // One that dies while idle (it should not) is not handed a job.
    onExit: () => {
      drop();
      cancel(entry.timer);
    },
  };
  entry.timer.unref();
  worker.once("exit", entry.onExit);
  idle.push(entry);
}

/** The verify threads of one ledger, so that closing it ends those still running. */
export class VerifyThreads {
  private readonly running = new Map<Worker, (error: Error) => void>();
  /** Set by stop: a verify that reaches here later (one waiting for a seal to finish) starts no thread. */
  private stopped: Error | undefined;

  run(job: VerifyJob, onProgress?: (done: number, total: number) => void): Promise<VerifyReport> {
    return new Promise((resolve, reject) => {
      if (this.stopped) {
        reject(this.stopped);
        return;
      }
      const worker = takeThread();
      let settled = false;
      /** `reusable`: the thread finished the job (its store is closed) and can take the next one. */
      const settle = (finish: () => void, reusable: boolean) => {
        if (settled) return;
        settled = true;
        this.running.delete(worker);
        // Only this job's listeners: the Worker's own (which start and stop its port) stay.
        worker.off("message", onMessage).off("error", onError).off("exit", onExit);
        if (reusable) keepThread(worker);
        else void worker.terminate();
        finish();
      };
      this.running.set(worker, (error) => settle(() => reject(error), false));
      const onMessage = (message: VerifyThreadMessage) => {
        if (message.kind === "report") settle(() => resolve(message.report), true);
        else if (message.kind === "error") settle(() => reject(rebuilt(message.error)), true);
        else {
          try {
            onProgress?.(message.done, message.total);
          } catch (error) {
            // As in a verify on this thread: a progress callback that throws ends the verify.
            settle(() => reject(error), false);
          }
        }
      };
      const onError = (error: Error) => settle(() => reject(error), false);
      const onExit = (code: number) =>
        settle(
          () =>
            reject(
              new Error(
                `the thread verifying partition ${job.partition} stopped (exit code ${code}) before its report`,
              ),
            ),
          false,
        );
      worker.on("message", onMessage).on("error", onError).on("exit", onExit);
      worker.postMessage(job);
    });
  }

  /** Ends the verifies still running; each rejects with `error`. */
  stop(error: Error): void {
    this.stopped = error;
    for (const end of [...this.running.values()]) end(error);
  }
}
