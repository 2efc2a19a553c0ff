// The real engine thread on a disk that fills up: once the wallet "disk_full" is funded, no
// database connection of the thread may grow the file by a page (PRAGMA max_page_count: SQLite's
// own SQLITE_FULL, "database or disk is full", as a full disk gives it, and as there writes that
// fit in pages the file already has still go through); funding "disk_room" lifts the cap.
import { DatabaseSync } from "node:sqlite";
import { parentPort } from "node:worker_threads";

const connections = new Set<DatabaseSync>();
const exec = DatabaseSync.prototype.exec;
DatabaseSync.prototype.exec = function (this: DatabaseSync, sql: string) {
  connections.add(this);
  return exec.call(this, sql);
};

function cap(db: DatabaseSync, pages?: number): void {
  try {
    const limit = pages ?? Number((db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count);
    exec.call(db, `PRAGMA max_page_count = ${limit}`);
  } catch {
    connections.delete(db); // closed
  }
}

parentPort?.on("message", (batch: { messages: { name?: string; input?: { address?: string } }[] }) => {
  for (const message of batch.messages) {
    if (message.name !== "fundWallet") continue;
    if (message.input?.address === "disk_full") for (const db of connections) cap(db);
    if (message.input?.address === "disk_room") for (const db of connections) cap(db, 1_073_741_823);
  }
});
await import("../../src/engine/worker.ts");
