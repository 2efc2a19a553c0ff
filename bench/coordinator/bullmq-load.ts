// The same work in BullMQ on Redis: add → process → complete, 64 concurrent workers' worth.
import { Queue, Worker } from "bullmq";

export async function bullmqThroughput(port: number, jobs: number, concurrency: number, adders = 64): Promise<number> {
  const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };
  const name = `bench-${Date.now()}`;
  const queue = new Queue(name, { connection });
  let completed = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const worker = new Worker(
    name,
    async (job) => {
      return { output_sha: String(job.id) };
    },
    { connection, concurrency, autorun: true },
  );
  worker.on("completed", () => {
    completed++;
    if (completed === jobs) resolveDone();
  });
  await worker.waitUntilReady();
  const started = performance.now();
  let added = 0;
  await Promise.all(
    Array.from({ length: adders }, async () => {
      while (added < jobs) {
        added++;
        await queue.add("work", { reward: 10 }, { removeOnComplete: true });
      }
    }),
  );
  await done;
  const elapsed = (performance.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return jobs / elapsed;
}
