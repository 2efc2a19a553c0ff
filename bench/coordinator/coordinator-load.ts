// Load against a running coordinator over HTTP: end-to-end throughput (submit → claim → proof →
// credit) with N concurrent miners using batch claims and batch proofs, and the dispatch latency
// from a submit to a long-polling miner holding the job.
import { createHash } from "node:crypto";
import { requestJson } from "./http-json.ts";
import { percentile } from "./percentiles.ts";

interface LeasedJob {
  id: string;
  lease_token: string;
}

export interface Fleet {
  base: URL;
  clientKey: string;
  miners: { id: string; key: string }[];
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

async function ok<T>(promise: Promise<{ status: number; body: T }>, what: string): Promise<T> {
  const reply = await promise;
  if (reply.status >= 300) throw new Error(`${what}: HTTP ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export async function prepareFleet(
  url: string,
  adminKey: string,
  miners: number,
  funds: number,
  tag: string,
): Promise<Fleet> {
  const base = new URL(url);
  const client = await ok(
    requestJson<{ key: string }>(base, "POST", "/v1/admin/keys", {
      key: adminKey,
      body: { role: "client", wallet: `bench_${tag}` },
    }),
    "client key",
  );
  await ok(
    requestJson(base, "POST", `/v1/admin/wallets/bench_${tag}/fund`, { key: adminKey, body: { amount: funds } }),
    "fund",
  );
  const fleet: Fleet = { base, clientKey: client.key, miners: [] };
  for (let i = 0; i < miners; i++) {
    const key = await ok(
      requestJson<{ key: string }>(base, "POST", "/v1/admin/keys", { key: adminKey, body: { role: "miner" } }),
      "miner key",
    );
    const id = `${tag}-miner-${i}`;
    await ok(
      requestJson(base, "POST", "/v1/miner/heartbeat", {
        key: key.key,
        body: {
          miner_id: id,
          wallet: `${tag}_w${i}`,
          mode: "cpu",
          gpu: 0,
          capabilities: { workloads: [`bench_${tag}`], concurrency: 64 },
        },
      }),
      "heartbeat",
    );
    fleet.miners.push({ id, key: key.key });
  }
  return fleet;
}

/** Submits `jobs` jobs from `submitters` concurrent clients while every miner claims and proves in batches. */
export async function throughput(
  fleet: Fleet,
  tag: string,
  jobs: number,
  submitters = 64,
  batch = 16,
): Promise<number> {
  let submitted = 0;
  let credited = 0;
  let done = false;
  const started = performance.now();
  let finished = started;
  const submitting = Array.from({ length: submitters }, async () => {
    while (submitted < jobs) {
      submitted++;
      await ok(
        requestJson(fleet.base, "POST", "/v1/jobs", {
          key: fleet.clientKey,
          body: { workload: `bench_${tag}`, reward: 10 },
        }),
        "submit",
      );
    }
  });
  const mining = fleet.miners.map(async (miner) => {
    while (!done) {
      const claimed = await ok(
        requestJson<{ jobs: LeasedJob[] }>(fleet.base, "POST", "/v1/miner/claim", {
          key: miner.key,
          body: { miner_id: miner.id, max_jobs: batch, wait_s: 1 },
        }),
        "claim",
      );
      if (claimed.jobs.length === 0) continue;
      const proved = await ok(
        requestJson<{ results: { status: number }[] }>(fleet.base, "POST", "/v1/miner/proofs", {
          key: miner.key,
          body: {
            proofs: claimed.jobs.map((job) => ({
              id: job.id,
              output_sha: sha(job.id),
              metrics: {},
              lease_token: job.lease_token,
            })),
          },
        }),
        "proofs",
      );
      credited += proved.results.filter((result) => result.status === 200).length;
      if (credited >= jobs && !done) {
        done = true;
        finished = performance.now();
      }
    }
  });
  await Promise.all(submitting);
  await Promise.all(mining);
  return jobs / ((finished - started) / 1000);
}

/**
 * Submits one job at a time to a fleet of long-polling miners and times how long until a miner
 * holds it. Nothing else runs meanwhile: the miners keep what they get (well under their slots)
 * and prove it all after the last sample.
 */
export async function dispatchLatency(
  fleet: Fleet,
  tag: string,
  samples: number,
): Promise<{ p50: number; p99: number }> {
  const arrivals = new Map<string, number>();
  const waiters = new Map<string, (at: number) => void>();
  const held = new Map<string, LeasedJob[]>();
  let stop = false;
  const polling = fleet.miners.map(async (miner) => {
    held.set(miner.id, []);
    while (!stop) {
      const reply = await requestJson<LeasedJob>(
        fleet.base,
        "GET",
        `/v1/miner/next?miner=${miner.id}&slots=64&wait=2`,
        { key: miner.key },
      );
      if (reply.status !== 200) continue;
      const at = performance.now();
      arrivals.set(reply.body.id, at);
      waiters.get(reply.body.id)?.(at);
      held.get(miner.id)?.push(reply.body);
    }
  });
  // Let every miner get its long-poll in.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const sent = performance.now();
    const job = await ok(
      requestJson<{ id: string }>(fleet.base, "POST", "/v1/jobs", {
        key: fleet.clientKey,
        body: { workload: `bench_${tag}`, reward: 1 },
      }),
      "submit",
    );
    const at = arrivals.get(job.id) ?? (await new Promise<number>((resolve) => waiters.set(job.id, resolve)));
    latencies.push(at - sent);
    waiters.delete(job.id);
  }
  stop = true;
  await Promise.all(polling);
  await Promise.all(
    fleet.miners.map(async (miner) => {
      const jobs = held.get(miner.id) ?? [];
      for (let start = 0; start < jobs.length; start += 64) {
        await ok(
          requestJson(fleet.base, "POST", "/v1/miner/proofs", {
            key: miner.key,
            body: {
              proofs: jobs.slice(start, start + 64).map((job) => ({
                id: job.id,
                output_sha: sha(job.id),
                metrics: {},
                lease_token: job.lease_token,
              })),
            },
          }),
          "proofs",
        );
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}
