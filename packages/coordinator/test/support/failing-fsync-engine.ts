// The real engine thread on a disk whose fsync starts failing (EIO) once a job submission arrives:
// what a dying disk does to the write-ahead log's fsync.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { parentPort } from "node:worker_threads";

let failing = false;
const fsync = fs.fsync;
fs.fsync = ((fd: number, done: (error: NodeJS.ErrnoException | null) => void) => {
  if (!failing) return fsync(fd, done);
  done(Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
}) as typeof fs.fsync;
syncBuiltinESMExports();

parentPort?.on("message", (batch: { messages: { name?: string }[] }) => {
  if (batch.messages.some((message) => message.name === "submitJob")) failing = true;
});
await import("../../src/engine/worker.ts");
