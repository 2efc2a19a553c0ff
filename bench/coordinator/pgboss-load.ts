// The same work in pg-boss on PostgreSQL: send → work → complete, 64 workers. Tuned as a user
// chasing throughput would: its defaults (one job per fetch, a poll every 2 s) cap 64 workers at
// 32 jobs/s, so each worker fetches up to 4 jobs and polls at pg-boss's shortest interval, 0.5 s.
import PgBoss from "pg-boss";

export async function pgbossThroughput(url: string, jobs: number, workers: number, senders = 64): Promise<number> {
  const boss = new PgBoss({ connectionString: url, max: 20 });
  boss.on("error", () => {});
  await boss.start();
  const name = `bench_${Date.now()}`;
  await boss.createQueue(name);
  let completed = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  for (let i = 0; i < workers; i++) {
    await boss.work(name, { batchSize: 4, pollingIntervalSeconds: 0.5 }, async (batch) => {
      completed += batch.length;
      if (completed >= jobs) resolveDone();
    });
  }
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (sent < jobs) {
        sent++;
        await boss.send(name, { reward: 10 });
      }
    }),
  );
  await done;
  const elapsed = (performance.now() - started) / 1000;
  await boss.stop({ graceful: false, wait: false });
  return jobs / elapsed;
}
