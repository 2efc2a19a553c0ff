// Copies the write-ahead log back into the database file from a thread of its own. SQLite would
// otherwise do it inside a COMMIT every 1000 pages, stalling that commit — and every request
// waiting on it — for the copy and an extra fsync. A PASSIVE checkpoint never blocks the writer or
// the readers; the writer keeps a large auto-checkpoint as a safety net should this thread fall behind.
import { Worker } from "node:worker_threads";

export interface WalCheckpointer {
  stop(): Promise<void>;
}

/** How often the thread checkpoints (a call with nothing to copy costs microseconds). */
const INTERVAL_MS = 200;

export function startWalCheckpointer(path: string): WalCheckpointer {
  const worker = new Worker(new URL("./wal-checkpoint-thread.ts", import.meta.url), {
    workerData: { path, intervalMs: INTERVAL_MS },
  });
  // Never let this helper keep a process alive or take it down: the safety net still checkpoints.
  worker.unref();
  worker.on("error", () => {});
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  return {
    async stop() {
      worker.postMessage("stop");
      await exited;
    },
  };
}
