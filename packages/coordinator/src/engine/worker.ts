// The engine's thread. It owns the store (its writer connection, the group commit, the dispatcher)
// and the ledger handle that signs checkpoints; the HTTP thread sends it commands in batches and
// gets answers back once they are durable. While a commit fsyncs here, the HTTP thread goes on
// parsing requests, and they all join the next batch: group commit over everything that arrived
// during the previous one.
import { parentPort, workerData } from "node:worker_threads";
import { loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { loadOrCreateReceiptSigner } from "../service/receipt-signer.ts";
import { openStore } from "../store/open.ts";
import { isCommandName } from "./commands.ts";
import { Engine, type EngineLog } from "./engine.ts";
import { type EngineWorkerData, type FromEngine, type ToEngineBatch, toWire } from "./protocol.ts";

const ARCHIVE_FIRST_DELAY_MS = 60_000;
const ARCHIVE_INTERVAL_MS = 3_600_000;

const port = parentPort;
if (!port) throw new Error("engine/worker.ts runs as a worker thread (see EngineClient)");
const data = workerData as EngineWorkerData;

// A clock the HTTP side steps (tests) arrives with every batch; otherwise the system clock.
let carried = data.carriedClock;
const clock = carried === null ? Date.now : () => carried ?? Date.now();

const outbox: FromEngine[] = [];
let flushQueued = false;
/** Queues a message; everything queued in one turn leaves in one postMessage. */
function send(message: FromEngine): void {
  outbox.push(message);
  if (flushQueued) return;
  flushQueued = true;
  queueMicrotask(() => {
    flushQueued = false;
    port?.postMessage(outbox.splice(0));
  });
}

/** Log lines go to the HTTP side's logger; errors cross as plain data. */
function plain(obj: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) out[key] = value instanceof Error ? toWire(value) : value;
  return out;
}
const log: EngineLog = {
  info: (obj, msg) => send({ t: "log", level: "info", obj: plain(obj), msg }),
  warn: (obj, msg) => send({ t: "log", level: "warn", obj: plain(obj), msg }),
  error: (obj, msg) => send({ t: "log", level: "error", obj: plain(obj), msg }),
};

function answer(id: number, work: Promise<unknown>): void {
  work.then(
    (value) => send({ t: "done", id, value }),
    (error: unknown) => send({ t: "failed", id, error: toWire(error) }),
  );
}

/**
 * An fsync of the write-ahead log failed: what was committed since may not survive a power cut and
 * nothing more can be acknowledged. The thread ends, so the HTTP side answers 503 and the process
 * exits to be restarted (SQLite recovers what reached the disk).
 */
function durabilityLost(error: Error): void {
  port?.postMessage([
    { t: "log", level: "error", obj: plain({ err: error }), msg: "the database can no longer be made durable" },
  ]);
  process.exit(1);
}

async function start(): Promise<Engine> {
  const store = await openStore({ db: data.db }, clock, {
    ledgerPartition: data.ledgerPartition,
    walCheckpointThread: true,
    durability: new Int32Array(data.durability),
    onDurabilityLost: durabilityLost,
  });
  try {
    const ledger = await openLedger({
      ...(data.db.kind === "sqlite"
        ? { store: "sqlite" as const, path: data.db.path }
        : { store: "postgres" as const, url: data.db.url }),
      signer: loadOrCreateSigner(data.ledgerKeyFile, data.ledgerOrigin),
    });
    return new Engine({
      store,
      ctx: { policy: data.policy, signer: loadOrCreateReceiptSigner(data.receiptKeyFile) },
      clock,
      pollIntervalMs: data.pollIntervalMs,
      ledger,
      ledgerArchive: data.ledgerArchive,
      log,
      onOutage: (down) => send({ t: "outage", down }),
      onDiskFull: (full) => send({ t: "diskFull", full }),
    });
  } catch (error) {
    await store.close().catch(() => {});
    throw error;
  }
}

let started: Engine | undefined;
try {
  started = await start();
} catch (error) {
  // The HTTP side reports it and ends this thread; with no listener left, it ends on its own too.
  port.postMessage([{ t: "failed", id: 0, error: toWire(error) }] satisfies FromEngine[]);
}
if (started) serve(started);

function serve(running: Engine): void {
  const channel = port as NonNullable<typeof port>;
  running.subscribe((events) => send({ t: "events", events }));
  if (data.sweepIntervalMs !== null) running.startSweeper(data.sweepIntervalMs);
  running.startCheckpoints(data.checkpointIntervalMs);
  // Shortly after start (not in the way of it), then hourly.
  running.startLedgerArchiver(ARCHIVE_FIRST_DELAY_MS, ARCHIVE_INTERVAL_MS);

  /** Long-polls in progress, by request id: a cancel from the HTTP side ends one. */
  const waits = new Map<number, AbortController>();

  channel.on("message", ({ now, messages }: ToEngineBatch) => {
    if (now !== undefined) carried = now;
    for (const message of messages) {
      switch (message.t) {
        case "command":
          if (isCommandName(message.name)) answer(message.id, running.command(message.name, message.input as never));
          else answer(message.id, Promise.reject(new Error(`unknown command ${String(message.name)}`)));
          break;
        case "claim": {
          const controller = new AbortController();
          waits.set(message.id, controller);
          answer(
            message.id,
            running.claim(message.call, controller.signal).finally(() => waits.delete(message.id)),
          );
          break;
        }
        case "cancel":
          waits.get(message.id)?.abort();
          break;
        case "sweep":
          answer(message.id, running.sweep());
          break;
        case "checkpoint":
          answer(message.id, running.checkpoint());
          break;
        case "archive":
          answer(message.id, running.archiveLedger());
          break;
        case "close":
          // Once closed, nothing keeps this thread alive: it ends after the answer is posted.
          answer(
            message.id,
            running.close().finally(() => channel.removeAllListeners("message")),
          );
          break;
      }
    }
  });
  send({ t: "ready" });
}
