// The thread of wal-checkpointer.ts: a connection of its own that runs PASSIVE checkpoints until told
// to stop (then one last one).
import { DatabaseSync } from "node:sqlite";
import { parentPort, workerData } from "node:worker_threads";
import { configureSqlite } from "./reader.ts";

const { path, intervalMs } = workerData as { path: string; intervalMs: number };
const db = new DatabaseSync(path);
configureSqlite(db);
const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
const run = () => {
  try {
    checkpoint.get();
  } catch {
    // Busy or I/O trouble: the next round (or the writer's safety net) will do it.
  }
};
const timer = setInterval(run, intervalMs);
parentPort?.on("message", (message) => {
  if (message !== "stop") return;
  clearInterval(timer);
  run();
  db.close();
  parentPort?.close();
});
