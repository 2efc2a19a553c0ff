// Ledger archiving (--ledger-archive-dir, --ledger-archive-after-days): a coordinator running for
// months moves its old, checkpointed ledger records out of the database into gzip files, so the
// database stops growing by ~3 KB per job. Jobs go on; an archived record answers 410
// RECORD_ARCHIVED; receipts still come back; the ledger verifies with and without the archive;
// a restart works; an unwritable archive is one warning and nothing stops.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { verifyExport, verifyInclusion } from "@pithead/ledger";
import { readOnlyDir } from "@pithead/testkit";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { ConfigError, type CoordinatorConfig, loadConfig } from "../src/config.ts";
import { migratePostgresStore } from "../src/store/postgres/store.ts";
import { manualClock } from "./support/clock.ts";
import { completedJob, startTestCoordinator } from "./support/coordinator.ts";
import { type TempDir, tempDir } from "./support/temp-dir.ts";

const DAY = 86_400_000;
const STEP = 8;

function storedRows(dbPath: string): { rows: number; lowest: number } {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const row = db
      .prepare(
        "SELECT count(*) AS n, coalesce(min(seq), -1) AS low FROM ledger_records WHERE partition = 'coordinator'",
      )
      .get() as { n: number; low: number };
    return { rows: Number(row.n), lowest: Number(row.low) };
  } finally {
    db.close();
  }
}

/** A test coordinator's options for archiving in segments of STEP records, its clock at 2026-01-01. */
function archiving(dir: TempDir, config: Partial<CoordinatorConfig>) {
  return { dir, clock: manualClock(Date.UTC(2026, 0, 1)), config, ledgerArchiveSegmentRecords: STEP };
}

/** A SQLite coordinator archiving to `archiveDir` whose first two segments are checkpointed and old enough. */
async function withOldRecords(dir: TempDir, archiveDir: string) {
  const options = archiving(dir, { ledgerArchiveDir: archiveDir, ledgerArchiveAfterDays: 1 });
  const { clock } = options;
  const coordinator = await startTestCoordinator(options);
  const client = await coordinator.client();
  for (let i = 0; (await coordinator.running.ledger.size("coordinator")) < 2 * STEP; i++)
    await completedJob(coordinator, client, `m-${i}`);
  await coordinator.running.service.checkpoint();
  clock.advance(2 * DAY);
  return { coordinator, client };
}

describe("ledger archiving in the coordinator", () => {
  it("moves old records out of the database; jobs go on, archived records answer 410, receipts and a restart still work", async () => {
    using dir = tempDir();
    using archive = tempDir("pithead-coordinator-archive-");
    const clock = manualClock(Date.UTC(2026, 0, 1));
    const options = {
      dir,
      clock,
      // Given, so the restart knows it too.
      config: { ledgerArchiveDir: archive.path, ledgerArchiveAfterDays: 30, adminKey: "archive-test-admin-key-0123" },
      ledgerArchiveSegmentRecords: STEP,
    };
    const dbPath = join(dir.path, "coordinator.db");
    let oldJob: string;
    let boundary: number;
    {
      await using coordinator = await startTestCoordinator(options);
      const client = await coordinator.client();
      const ledger = coordinator.running.ledger;
      oldJob = await completedJob(coordinator, client, "m-old-0");
      for (let i = 1; (await ledger.size("coordinator")) < 3 * STEP; i++)
        await completedJob(coordinator, client, `m-old-${i}`);
      await coordinator.running.service.checkpoint();
      // Nothing is old enough yet.
      expect(await coordinator.running.service.archiveLedger()).toMatchObject({ records: 0 });
      clock.advance(31 * DAY);
      const recentJob = await completedJob(coordinator, client, "m-recent");
      const oldRecords = (await ledger.size("coordinator")) - 1;
      await coordinator.running.service.checkpoint();

      const report = await coordinator.running.service.archiveLedger();
      expect(report).toBeDefined();
      boundary = report!.archivedTo;
      expect(boundary).toBeGreaterThanOrEqual(2 * STEP);
      expect(boundary % STEP).toBe(0);
      expect(boundary).toBeLessThanOrEqual(oldRecords);
      expect(report!.records).toBe(boundary);
      // The rows left the database; the archive holds them.
      const stored = storedRows(dbPath);
      expect(stored.lowest).toBe(boundary);
      expect(stored.rows).toBe((await ledger.size("coordinator")) - boundary);
      expect(coordinator.logs.join("")).toMatch(/"records":\d+.*"boundary":\d+.*archived old ledger records/);

      // An archived record and the job whose records they are: 410 from the coordinator's registry.
      const archived = await coordinator.call("GET", "/v1/ledger/records/0", { key: coordinator.adminKey });
      expect(archived.status).toBe(410);
      // A list is a page from the boundary, never a 410.
      const list = await coordinator.call("GET", "/v1/ledger/records?limit=3", { key: coordinator.adminKey });
      expect(list.status).toBe(200);
      expect(list.body).toMatchObject({ archivedBelow: boundary });
      expect((list.body.records as unknown as { seq: number }[]).map((r) => r.seq)).toEqual([
        boundary,
        boundary + 1,
        boundary + 2,
      ]);
      expect(archived.body.error).toMatchObject({ code: "RECORD_ARCHIVED" });
      expect(String(archived.body.error?.message)).toContain("record 0 of partition");
      const jobLedger = await coordinator.call("GET", `/v1/jobs/${oldJob}/ledger`, { key: client.key });
      expect(jobLedger.status).toBe(410);
      expect(jobLedger.body.error).toMatchObject({ code: "RECORD_ARCHIVED" });
      // Both 410s say which records and when, and neither names a directory of the server.
      for (const answer of [archived, jobLedger]) {
        expect(answer.body.error).toMatchObject({
          details: { seq: expect.any(Number), archived_from: 0, archived_to: STEP, archived_at: expect.any(String) },
        });
        expect(JSON.stringify(answer.body)).not.toContain(archive.path);
      }
      // The signed receipt itself is not in the ledger's rows: it still comes back.
      const receipt = await coordinator.call("GET", `/v1/jobs/${oldJob}/receipt`, { key: client.key });
      expect(receipt.status).toBe(200);
      expect(receipt.body.receipt).toMatchObject({ job_id: oldJob });
      // Records after the boundary: served with proofs that verify.
      const first = await coordinator.call("GET", `/v1/ledger/records/${boundary}`, { key: coordinator.adminKey });
      expect(first.status).toBe(200);
      expect(verifyInclusion(first.body.proof as never)).toBe(true);
      const recent = await coordinator.call("GET", `/v1/jobs/${recentJob}/ledger`, { key: client.key });
      expect(recent.status).toBe(200);
      // The export starts at the boundary and verifies from there.
      const exported = await coordinator.call("GET", "/v1/ledger/export", { key: coordinator.adminKey });
      expect(exported.status).toBe(200);
      const file = join(dir.path, "export.jsonl");
      writeFileSync(file, String(exported.body));
      const checked = await verifyExport(file, { verifierKey: ledger.verifierKey! });
      expect(checked.problems).toEqual([]);
      expect(checked.archived).toEqual({ records: boundary, checked: false });
      expect((await ledger.verify("coordinator", { archive: archive.path })).ok).toBe(true);
      expect(await ledger.damage!("coordinator")).toBeUndefined();
    }

    // A restart on the same database: jobs run, the archive stays archived, the ledger verifies.
    {
      await using coordinator = await startTestCoordinator(options);
      const client = await coordinator.client();
      await completedJob(coordinator, client, "m-after-restart");
      expect((await coordinator.call("GET", "/v1/ledger/records/0", { key: coordinator.adminKey })).status).toBe(410);
      expect(await coordinator.running.ledger.archived!("coordinator")).toMatchObject({ records: boundary });
      const report = await coordinator.running.ledger.verify("coordinator", { archive: archive.path });
      expect(report.problems).toEqual([]);
      expect(report.archived).toEqual({ records: boundary, checked: true });
      await coordinator.running.service.archiveLedger();
      expect(coordinator.logs.join("")).not.toContain("last archived to");
    }

    // Restarted with another archive directory (a new mount): said once, so the operator knows the
    // archive is now in two places.
    {
      using moved = tempDir("pithead-coordinator-archive2-");
      await using coordinator = await startTestCoordinator({
        ...options,
        config: { ...options.config, ledgerArchiveDir: moved.path },
      });
      await coordinator.running.service.archiveLedger();
      await coordinator.running.service.archiveLedger();
      const said = coordinator.logs.join("").split(`its records were last archived to ${archive.path}`);
      expect(said).toHaveLength(2);
      expect(said[1]).toContain(`the archive directory is now ${moved.path}`);
    }
  });

  it("archives on PostgreSQL too: the rows leave the database and an archived record answers 410", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    using dir = tempDir();
    using archive = tempDir("pithead-coordinator-archive-");
    const clock = manualClock(Date.UTC(2026, 0, 1));
    await using coordinator = await startTestCoordinator({
      dir,
      clock,
      config: { db: { kind: "postgres", url: db.url }, ledgerArchiveDir: archive.path, ledgerArchiveAfterDays: 1 },
      ledgerArchiveSegmentRecords: STEP,
    });
    const client = await coordinator.client();
    const ledger = coordinator.running.ledger;
    const oldJob = await completedJob(coordinator, client, "pg-old-0");
    for (let i = 1; (await ledger.size("coordinator")) < 2 * STEP; i++)
      await completedJob(coordinator, client, `pg-old-${i}`);
    await coordinator.running.service.checkpoint();
    clock.advance(2 * DAY);
    await completedJob(coordinator, client, "pg-recent");
    await coordinator.running.service.checkpoint();
    const report = await coordinator.running.service.archiveLedger();
    const boundary = report?.archivedTo ?? 0;
    expect(boundary).toBeGreaterThanOrEqual(2 * STEP);
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const { rows } = await sql.query<{ low: string }>(
        "SELECT min(seq) AS low FROM ledger_records WHERE partition = 'coordinator'",
      );
      expect(Number(rows[0]!.low)).toBe(boundary);
    } finally {
      await sql.end();
    }
    expect((await coordinator.call("GET", "/v1/ledger/records/0", { key: coordinator.adminKey })).status).toBe(410);
    expect((await coordinator.call("GET", `/v1/jobs/${oldJob}/receipt`, { key: client.key })).status).toBe(200);
    const verified = await ledger.verify("coordinator", { archive: archive.path });
    expect(verified.problems).toEqual([]);
    expect(verified.archived).toEqual({ records: boundary, checked: true });
  });

  it("an archive that cannot be written is one warning per kind of failure; jobs go on and the records stay", async () => {
    using dir = tempDir();
    using parent = tempDir("pithead-coordinator-archive-");
    const archiveDir = join(parent.path, "mount");
    const { coordinator: started, client } = await withOldRecords(dir, archiveDir);
    await using coordinator = started;
    // The mount went away and a file stands where it was.
    rmSync(archiveDir, { recursive: true, force: true });
    writeFileSync(archiveDir, "not a directory");
    expect(await coordinator.running.service.archiveLedger()).toBeUndefined();
    expect(await coordinator.running.service.archiveLedger()).toBeUndefined();
    const warnings = coordinator.logs.filter((line) => line.includes("archiving old ledger records failed"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(archiveDir);
    await completedJob(coordinator, client, "m-during-failure");
    expect(storedRows(join(dir.path, "coordinator.db")).lowest).toBe(0);
    expect((await coordinator.running.ledger.verify("coordinator")).ok).toBe(true);
  });

  it("refuses an archive directory that is a file, and an age that is not a positive integer, naming the setting", () => {
    using dir = tempDir();
    const file = join(dir.path, "archive");
    writeFileSync(file, "");
    const bad = (flags: Record<string, string>, env: Record<string, string> = {}) => {
      try {
        loadConfig(flags, env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).message;
      }
      throw new Error("accepted");
    };
    expect(bad({ ledgerArchiveDir: file })).toMatch(
      /--ledger-archive-dir \(PITHEAD_LEDGER_ARCHIVE_DIR\): .* is a file/,
    );
    expect(bad({}, { PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS: "0" })).toMatch(/PITHEAD_LEDGER_ARCHIVE_AFTER_DAYS: must be/);
    expect(bad({ ledgerArchiveAfterDays: "1.5" })).toMatch(/--ledger-archive-after-days/);
    const config = loadConfig({}, { PITHEAD_LEDGER_ARCHIVE_DIR: join(dir.path, "new") });
    expect(config).toMatchObject({ ledgerArchiveDir: join(dir.path, "new"), ledgerArchiveAfterDays: 30 });
    expect(loadConfig({}, {}).ledgerArchiveDir).toBeUndefined();
  });

  it("two coordinators on one PostgreSQL database: one archives; the other says so once, at info, and never warns", async () => {
    await using db = await pgTestDatabase("coordinator", migratePostgresStore);
    // One data directory: replicas share the signing keys.
    using dir = tempDir();
    using archive = tempDir("pithead-coordinator-archive-");
    const options = archiving(dir, {
      db: { kind: "postgres", url: db.url },
      ledgerArchiveDir: archive.path,
      ledgerArchiveAfterDays: 1,
      adminKey: "archive-replica-admin-key-0123",
    });
    const { clock } = options;
    await using first = await startTestCoordinator(options);
    await using second = await startTestCoordinator(options);
    // Nothing is old enough yet: the first holds the writer lock from now on.
    expect(await first.running.service.archiveLedger()).toMatchObject({ records: 0 });
    await second.running.service.archiveLedger();
    const client = await first.client();
    for (let i = 0; (await first.running.ledger.size("coordinator")) < 2 * STEP; i++)
      await completedJob(first, client, `pg-replica-${i}`);
    await first.running.service.checkpoint();
    clock.advance(2 * DAY);
    await completedJob(first, client, "pg-replica-recent");
    await first.running.service.checkpoint();
    expect((await first.running.service.archiveLedger())?.records).toBeGreaterThan(0);
    await second.running.service.archiveLedger();
    await second.running.service.archiveLedger();
    const logs = second.logs.join("");
    expect(logs).not.toContain("archiving old ledger records failed");
    const said = second.logs.filter((line) => line.includes("another coordinator process archives this ledger"));
    expect(said).toHaveLength(1);
    expect(JSON.parse(said[0]!)).toMatchObject({ level: 30 });
  });

  it("a read-only archive directory stops the start naming the flag; one that turns read-only later is warned of with its real cause", async (context) => {
    using readOnly = readOnlyDir();
    if (!readOnly) return context.skip("no read-only directory can be made here (root without mount)");
    for (const dir of [readOnly.path, join(readOnly.path, "archive")]) {
      expect(() => loadConfig({ ledgerArchiveDir: dir }, {})).toThrow(
        new RegExp(
          `--ledger-archive-dir \\(PITHEAD_LEDGER_ARCHIVE_DIR\\): ${dir} cannot be written \\(${readOnly.code}\\)`,
        ),
      );
    }

    // A mount that went read-only after the start (a given config skips the start's check).
    using dir = tempDir();
    await using coordinator = (await withOldRecords(dir, readOnly.path)).coordinator;
    expect(await coordinator.running.service.archiveLedger()).toBeUndefined();
    const warnings = coordinator.logs.filter((line) => line.includes("archiving old ledger records failed"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ kind: readOnly.code });
    expect(warnings[0]).not.toContain("ENOENT");
  });
});
