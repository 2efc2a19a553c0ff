// Benchmark: the coordinator end to end over HTTP (submit → claim → proof → credit, 64 concurrent
// miners with batch claims and proofs) on SQLite and, with --pg, on PostgreSQL, side by side with
// the same work in BullMQ on Redis and pg-boss on PostgreSQL; and the dispatch latency from a
// submit to a long-polling miner holding the job.
//
//   node bench/coordinator/run.ts [--pg] [--jobs 4000] [--miners 64] [--samples 300] [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startEmbeddedPostgres } from "@pithead/testkit";
import pg from "pg";
import { bullmqThroughput } from "./bullmq-load.ts";
import { dispatchLatency, prepareFleet, throughput } from "./coordinator-load.ts";
import { closeAgent } from "./http-json.ts";
import { pgbossThroughput } from "./pgboss-load.ts";
import { startRedis } from "./redis.ts";

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const quick = process.argv.includes("--quick");
const withPostgres = process.argv.includes("--pg");
const JOBS = option("jobs", quick ? 800 : 4_000);
const MINERS = option("miners", 64);
const SAMPLES = option("samples", quick ? 60 : 300);

interface Server {
  url: string;
  adminKey: string;
  stop(): Promise<void>;
}

async function startServer(flags: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, [join(import.meta.dirname, "server.ts"), JSON.stringify(flags)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`coordinator exited with ${code}`)));
  });
  const { url, adminKey } = JSON.parse(line) as { url: string; adminKey: string };
  return {
    url,
    adminKey,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

async function coordinatorRun(label: string, flags: Record<string, string>) {
  const server = await startServer({
    port: "0",
    rateLimitPerMinute: "0",
    maxInFlightPerMiner: "10000",
    logLevel: "warn",
    ...flags,
  });
  try {
    process.stderr.write(`… ${label}: ${MINERS} miners, ${JOBS} jobs\n`);
    const fleet = await prepareFleet(server.url, server.adminKey, MINERS, JOBS * 10, `${label}t`);
    const jobsPerS = await throughput(fleet, `${label}t`, JOBS);
    process.stderr.write(`… ${label}: dispatch latency, ${SAMPLES} samples\n`);
    const latencyFleet = await prepareFleet(server.url, server.adminKey, MINERS, SAMPLES, `${label}d`);
    const latency = await dispatchLatency(latencyFleet, `${label}d`, SAMPLES);
    return { jobsPerS, latency };
  } finally {
    await server.stop();
  }
}

const fmt = (value: number) => (value >= 100 ? Math.round(value).toString() : value.toFixed(1));
const ratio = (value: number) => `${value.toFixed(2)}x`;

const dir = mkdtempSync(join(tmpdir(), "pithead-bench-coordinator-"));
const results: string[] = [];
try {
  const sqlite = await coordinatorRun("sqlite", { dataDir: join(dir, "sqlite") });
  process.stderr.write(`… bullmq on redis: ${JOBS} jobs, concurrency ${MINERS}\n`);
  const redis = await startRedis();
  let bullmq: number;
  try {
    bullmq = await bullmqThroughput(redis.port, JOBS, MINERS);
  } finally {
    await redis.stop();
  }
  const rows: [string, string, string][] = [
    [
      "coordinator (SQLite)",
      `${fmt(sqlite.jobsPerS)} jobs/s`,
      `dispatch p50 ${fmt(sqlite.latency.p50)} ms, p99 ${fmt(sqlite.latency.p99)} ms`,
    ],
    ["BullMQ (Redis, AOF everysec)", `${fmt(bullmq)} jobs/s`, ""],
  ];
  results.push(
    `bench coordinator: sqlite ${fmt(sqlite.jobsPerS)} jobs/s vs bullmq ${fmt(bullmq)} jobs/s = ${ratio(sqlite.jobsPerS / bullmq)} (target 1x)`,
  );
  let dispatchP99 = sqlite.latency.p99;
  if (withPostgres) {
    const postgres = await startEmbeddedPostgres();
    try {
      const admin = new pg.Client({ connectionString: postgres.url });
      await admin.connect();
      await admin.query("CREATE DATABASE coordinator_bench");
      await admin.query("CREATE DATABASE pgboss_bench");
      await admin.end();
      const database = (name: string) => {
        const url = new URL(postgres.url);
        url.pathname = `/${name}`;
        return url.toString();
      };
      const onPostgres = await coordinatorRun("postgres", {
        dataDir: join(dir, "pg"),
        db: database("coordinator_bench"),
      });
      process.stderr.write(`… pg-boss: ${JOBS} jobs, ${MINERS} workers\n`);
      const pgboss = await pgbossThroughput(database("pgboss_bench"), JOBS, MINERS);
      rows.push(
        [
          "coordinator (PostgreSQL)",
          `${fmt(onPostgres.jobsPerS)} jobs/s`,
          `dispatch p50 ${fmt(onPostgres.latency.p50)} ms, p99 ${fmt(onPostgres.latency.p99)} ms`,
        ],
        ["pg-boss (PostgreSQL)", `${fmt(pgboss)} jobs/s`, ""],
      );
      results.push(
        `bench coordinator: postgres ${fmt(onPostgres.jobsPerS)} jobs/s vs pg-boss ${fmt(pgboss)} jobs/s = ${ratio(onPostgres.jobsPerS / pgboss)} (target 1x)`,
        `bench coordinator: postgres ${fmt(onPostgres.jobsPerS)} jobs/s vs bullmq ${fmt(bullmq)} jobs/s = ${ratio(onPostgres.jobsPerS / bullmq)} (target 1x)`,
      );
      dispatchP99 = Math.max(dispatchP99, onPostgres.latency.p99);
    } finally {
      await postgres.stop();
    }
  }
  results.push(
    `bench coordinator: dispatch p99 ${fmt(dispatchP99)} ms vs target 10 ms = ${ratio(10 / dispatchP99)} (target 1x)`,
  );
  console.log(`\n${"system".padEnd(30)} ${"end to end".padEnd(16)} latency`);
  for (const [name, value, extra] of rows) console.log(`${name.padEnd(30)} ${value.padEnd(16)} ${extra}`);
  console.log(
    `\n(${JOBS} jobs, ${MINERS} miners/workers, ${SAMPLES} dispatch samples; coordinator fsyncs every group commit)`,
  );
  console.log(results.join("\n"));
} finally {
  closeAgent();
  rmSync(dir, { recursive: true, force: true });
}
