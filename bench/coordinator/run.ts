// Benchmark: the coordinator end to end over HTTP (submit → claim → proof → credit, 64 concurrent
// miners with batch claims and proofs, 64 concurrent submitters) on SQLite and (unless --no-pg) on
// PostgreSQL, side by side with the same work in BullMQ on Redis and pg-boss on PostgreSQL (add →
// process → complete); and the dispatch latency from a submit to a long-polling miner holding the
// job, measured with nothing else running. Every side reports wall time and the CPU seconds of its
// server (with threads and child processes) and of its client/worker process.
//
//   node bench/coordinator/run.ts [--no-pg] [--jobs 4000] [--miners 64] [--samples 300] [--quick]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { startEmbeddedPostgres } from "@pithead/testkit";
import pg from "pg";
import { bullmqThroughput } from "./bullmq-load.ts";
import { dispatchLatency, prepareFleet, throughput } from "./coordinator-load.ts";
import { cpuSeconds, ownCpuSeconds, postmasterOn } from "./cpu.ts";
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
const withPostgres = !process.argv.includes("--no-pg");
const JOBS = option("jobs", quick ? 800 : 4_000);
const MINERS = option("miners", 64);
const SAMPLES = option("samples", quick ? 60 : 300);

interface Server {
  url: string;
  adminKey: string;
  pid: number;
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
    pid: child.pid ?? 0,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    },
  };
}

/** One side's run: its rate, and the wall and CPU seconds it took. */
interface Measured {
  jobsPerS: number;
  wallS: number;
  /** The server side: coordinator process (both threads), redis-server, or PostgreSQL (all backends). */
  serverCpuS: number;
  /** This process: the load generator, or BullMQ's / pg-boss's queue and workers. */
  clientCpuS: number;
}

/** Runs `work` (which returns jobs/s) and measures its CPU on the server processes and here. */
async function measured(serverPids: number[], work: () => Promise<number>): Promise<Measured> {
  const serverCpu = () => serverPids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const server0 = serverCpu();
  const client0 = ownCpuSeconds();
  const jobsPerS = await work();
  return {
    jobsPerS,
    wallS: JOBS / jobsPerS,
    serverCpuS: serverCpu() - server0,
    clientCpuS: ownCpuSeconds() - client0,
  };
}

async function coordinatorRun(label: string, flags: Record<string, string>, extraPids: number[] = []) {
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
    const run = await measured([server.pid, ...extraPids], () => throughput(fleet, `${label}t`, JOBS));
    process.stderr.write(`… ${label}: dispatch latency, ${SAMPLES} samples, nothing else running\n`);
    const latencyFleet = await prepareFleet(server.url, server.adminKey, MINERS, SAMPLES, `${label}d`);
    const latency = await dispatchLatency(latencyFleet, `${label}d`, SAMPLES);
    return { run, latency };
  } finally {
    await server.stop();
  }
}

const fmt = (value: number) => (value >= 100 ? Math.round(value).toString() : value.toFixed(1));
const ratio = (value: number) => `${value.toFixed(2)}x`;

function row(name: string, side: Measured, extra = ""): string {
  const cpu = side.serverCpuS + side.clientCpuS;
  return [
    name.padEnd(46),
    `${fmt(side.jobsPerS)}`.padStart(7),
    side.wallS.toFixed(2).padStart(7),
    `${side.serverCpuS.toFixed(2)} + ${side.clientCpuS.toFixed(2)}`.padStart(14),
    ((cpu * 1000) / JOBS).toFixed(3).padStart(9),
    `  ${extra}`,
  ].join(" ");
}

const dir = mkdtempSync(join(tmpdir(), "pithead-bench-coordinator-"));
const loadBefore = loadavg();
const results: string[] = [];
const rows: string[] = [];
try {
  const sqlite = await coordinatorRun("sqlite", { dataDir: join(dir, "sqlite") });
  process.stderr.write(`… bullmq on redis: ${JOBS} jobs, worker concurrency ${MINERS}\n`);
  const redis = await startRedis();
  let bullmq: Measured;
  try {
    bullmq = await measured([redis.pid], () => bullmqThroughput(redis.port, JOBS, MINERS));
  } finally {
    await redis.stop();
  }
  const latencyText = (latency: { p50: number; p99: number }) =>
    `dispatch p50 ${fmt(latency.p50)} ms, p99 ${fmt(latency.p99)} ms`;
  rows.push(
    row("coordinator (SQLite, fsync every group commit)", sqlite.run, latencyText(sqlite.latency)),
    row("BullMQ (Redis AOF fsync everysec, its usual)", bullmq),
  );
  results.push(
    `bench coordinator: sqlite ${fmt(sqlite.run.jobsPerS)} jobs/s vs bullmq ${fmt(bullmq.jobsPerS)} jobs/s = ${ratio(sqlite.run.jobsPerS / bullmq.jobsPerS)} (target 1x)`,
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
      const postmaster = postmasterOn(postgres.port);
      const pgPids = postmaster === undefined ? [] : [postmaster];
      const onPostgres = await coordinatorRun(
        "postgres",
        { dataDir: join(dir, "pg"), db: database("coordinator_bench") },
        pgPids,
      );
      process.stderr.write(`… pg-boss: ${JOBS} jobs, ${MINERS} workers\n`);
      const pgboss = await measured(pgPids, () => pgbossThroughput(database("pgboss_bench"), JOBS, MINERS));
      rows.push(
        row("coordinator (PostgreSQL)", onPostgres.run, latencyText(onPostgres.latency)),
        row("pg-boss (PostgreSQL, batch 4, poll 0.5 s)", pgboss),
      );
      results.push(
        `bench coordinator: postgres ${fmt(onPostgres.run.jobsPerS)} jobs/s vs pg-boss ${fmt(pgboss.jobsPerS)} jobs/s = ${ratio(onPostgres.run.jobsPerS / pgboss.jobsPerS)} (target 1x)`,
        `bench coordinator: postgres ${fmt(onPostgres.run.jobsPerS)} jobs/s vs bullmq ${fmt(bullmq.jobsPerS)} jobs/s = ${ratio(onPostgres.run.jobsPerS / bullmq.jobsPerS)} (target 1x)`,
      );
      dispatchP99 = Math.max(dispatchP99, onPostgres.latency.p99);
    } finally {
      await postgres.stop();
    }
  }
  results.push(
    `bench coordinator: dispatch p99 ${fmt(dispatchP99)} ms vs target 10 ms = ${ratio(10 / dispatchP99)} (target 1x)`,
  );
  console.log(
    `\n${"system".padEnd(46)} ${"jobs/s".padStart(7)} ${"wall s".padStart(7)} ${"CPU s srv+cli".padStart(14)} ${"CPU ms/job".padStart(9)}`,
  );
  for (const line of rows) console.log(line);
  const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(" ");
  console.log(
    `\n(${JOBS} jobs, ${MINERS} miners/workers and submitters, ${SAMPLES} dispatch samples; CPU: server processes` +
      ` with their threads and children + this process; load average ${load(loadBefore)} before, ${load(loadavg())} after)`,
  );
  console.log(results.join("\n"));
} finally {
  closeAgent();
  rmSync(dir, { recursive: true, force: true });
}
