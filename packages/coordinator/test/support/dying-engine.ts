// The real engine thread with a bug planted in it: the first batch that carries a job submission
// throws, uncaught, which ends a worker thread as any bug in the engine would.
import { parentPort } from "node:worker_threads";
import "../../src/engine/worker.ts";

parentPort?.on("message", (batch: { messages: { name?: string }[] }) => {
  if (batch.messages.some((message) => message.name === "submitJob")) throw new Error("engine bug: boom");
});
