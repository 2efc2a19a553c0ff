// The HTTP thread's handle on the engine thread (worker.ts): commands and claims go out in one
// message per turn of the event loop, answers come back once their batch is durable, and committed
// job events are handed to the HTTP side's subscribers (server-sent events). The read gate lets
// this thread's reads wait for the engine's fsync of what they saw.
import { Worker } from "node:worker_threads";
import type { ArchiveReport } from "@pithead/ledger";
import { errors } from "../errors.ts";
import type { Claimed } from "../ops/claim-jobs.ts";
import type { SweepResult } from "../ops/sweep.ts";
import { ReadGate } from "../store/sqlite/read-gate.ts";
import { durabilityCounters } from "../store/sqlite/wal-sync.ts";
import type { JobEvent } from "../store/types.ts";
import type { CommandInput, CommandName, CommandOutput } from "./commands.ts";
import type { ClaimCall } from "./engine.ts";
import { type EngineWorkerData, type FromEngine, fromWire, type ToEngine, type ToEngineBatch } from "./protocol.ts";

export interface EngineClientLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EngineClientOptions {
  data: Omit<EngineWorkerData, "durability">;
  /** The HTTP side's clock when it is not the system's (tests step it): every batch carries it. */
  clock?: () => number;
  onEvents(events: JobEvent[]): void;
  log(): EngineClientLog;
  /** The thread died on its own (not through close()): nothing more can be written. */
  onFailure?(error: Error): void;
  /** Test seam: the worker module to run instead of worker.ts. */
  workerUrl?: URL;
}

export class EngineStoppedError extends Error {
  constructor(reason: string) {
    super(`the coordinator's store thread stopped: ${reason}`);
    this.name = "EngineStoppedError";
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outgoing = ToEngine extends infer M ? (M extends { id: number } ? Omit<M, "id"> : never) : never;

export class EngineClient {
  /** What this thread's SQLite reads wait on (see store/sqlite/read-gate.ts). */
  readonly readGate: ReadGate;
  readonly #worker: Worker;
  readonly #options: EngineClientOptions;
  readonly #pending = new Map<number, Pending>();
  #outbox: ToEngine[] = [];
  #flushQueued = false;
  #nextId = 1;
  #waiting = 0;
  #ready = false;
  #databaseDown = false;
  #diskFull = false;
  #closing = false;
  #stopped: Error | undefined;
  #failure: Error | undefined;

  private constructor(worker: Worker, options: EngineClientOptions, readGate: ReadGate) {
    this.#worker = worker;
    this.#options = options;
    this.readGate = readGate;
  }

  /** Starts the engine thread; resolves once its store is open (migrated) and it takes commands. */
  static async start(options: EngineClientOptions): Promise<EngineClient> {
    const counters = durabilityCounters();
    const data: EngineWorkerData = { ...options.data, durability: counters.buffer as SharedArrayBuffer };
    const worker = new Worker(options.workerUrl ?? new URL("./worker.ts", import.meta.url), { workerData: data });
    const client = new EngineClient(worker, options, new ReadGate(counters));
    try {
      await new Promise<void>((resolve, reject) => {
        // Until it is ready, id 0 carries a failure to start (a database in use, a bad URL…).
        client.#pending.set(0, { resolve: () => resolve(), reject });
        worker.on("message", (batch: FromEngine[]) => client.#receive(batch));
        worker.on("error", (error) => client.#stop(error));
        worker.on("exit", (code) => client.#stop(new EngineStoppedError(`exit code ${code}`)));
      });
    } catch (error) {
      client.#stopped ??= error as Error;
      await worker.terminate();
      throw error;
    }
    return client;
  }

  /** Why the thread died on its own, if it did. */
  /** Whether the engine's writes find the database unreachable now (an outage it has logged). */
  get databaseDown(): boolean {
    return this.#databaseDown;
  }

  /** Whether the engine's writes find the disk full now (an episode it has logged). */
  get diskFull(): boolean {
    return this.#diskFull;
  }

  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Long-polls in progress (what /health and the stats call waiting miners). */
  get waiting(): number {
    return this.#waiting;
  }

  command<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
    return this.#call({ t: "command", name, input }) as Promise<CommandOutput<K>>;
  }

  /** A claim; a long-poll (`call.wait`) ends early when `signal` aborts. */
  async claim(call: ClaimCall, signal: AbortSignal): Promise<Claimed[]> {
    const id = this.#nextId++;
    const answer = this.#call({ t: "claim", call }, id) as Promise<Claimed[]>;
    if (call.wait === null) return answer;
    this.#waiting++;
    const cancel = () => this.#send({ t: "cancel", id });
    if (signal.aborted) cancel();
    else signal.addEventListener("abort", cancel, { once: true });
    try {
      return await answer;
    } finally {
      this.#waiting--;
      signal.removeEventListener("abort", cancel);
    }
  }

  sweep(): Promise<SweepResult> {
    return this.#call({ t: "sweep" }) as Promise<SweepResult>;
  }

  checkpoint(): Promise<void> {
    return this.#call({ t: "checkpoint" }) as Promise<void>;
  }

  /** One ledger archive run now (undefined: archiving is off, or the run failed and was logged). */
  archiveLedger(): Promise<ArchiveReport | undefined> {
    return this.#call({ t: "archive" }) as Promise<ArchiveReport | undefined>;
  }

  /** Answers the long-polls, commits what is queued, closes the store; then the thread ends. */
  async close(): Promise<void> {
    this.#closing = true;
    if (this.#stopped) return;
    try {
      await this.#call({ t: "close" });
    } finally {
      this.#stopped ??= new EngineStoppedError("closed");
      await this.#worker.terminate();
    }
  }

  #call(message: Outgoing, id = this.#nextId++): Promise<unknown> {
    if (this.#stopped) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#send({ ...message, id } as ToEngine);
    });
  }

  #send(message: ToEngine): void {
    this.#outbox.push(message);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    // setImmediate: every request parsed in this turn of the event loop leaves in one message.
    setImmediate(() => {
      this.#flushQueued = false;
      const messages = this.#outbox;
      this.#outbox = [];
      if (this.#stopped) return;
      const batch: ToEngineBatch = { messages };
      if (this.#options.clock) batch.now = this.#options.clock();
      this.#worker.postMessage(batch);
    });
  }

  #receive(batch: FromEngine[]): void {
    for (const message of batch) {
      switch (message.t) {
        case "ready":
          this.#ready = true;
          this.#settle(0, true, undefined);
          break;
        case "done":
          this.#settle(message.id, true, message.value);
          break;
        case "failed":
          this.#settle(message.id, false, fromWire(message.error));
          break;
        case "events":
          try {
            this.#options.onEvents(message.events);
          } catch (error) {
            this.#options.log().error({ err: error }, "event delivery failed");
          }
          break;
        case "log":
          this.#options.log()[message.level](message.obj, message.msg);
          break;
        case "outage":
          this.#databaseDown = message.down;
          break;
        case "diskFull":
          this.#diskFull = message.full;
          break;
      }
    }
  }

  #settle(id: number, ok: boolean, value: unknown): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (ok) pending.resolve(value);
    else pending.reject(value);
  }

  /**
   * The thread is gone: every open call fails, and so does every later one. Outside close() that
   * is a failure: callers get 503 STORE_UNAVAILABLE (nothing they were answered is lost: answers
   * follow commits), and onFailure lets the coordinator shut down to be restarted.
   */
  #stop(error: Error): void {
    if (this.#stopped) return;
    // Before "ready" a failure to start is start()'s to report, with its own words.
    const failed = this.#ready && !this.#closing;
    if (failed) {
      this.#options.log().error({ err: error }, "the coordinator's store thread stopped");
      this.#failure = error;
    }
    this.#stopped = failed ? errors.error("STORE_UNAVAILABLE") : error;
    // What the engine committed last may never be durable now: reads that may have seen it fail.
    this.readGate.fail(this.#stopped);
    for (const pending of this.#pending.values()) pending.reject(this.#stopped);
    this.#pending.clear();
    if (failed) this.#options.onFailure?.(error);
  }
}
