// The fleet with LEDGER_ARCHIVE_DIR, on its JSONL ledger (old sealed segments) and on SQLite (old rows,
// cut into segments): an operator's oldest records move to the archive, the controller goes on (and restarts, its mode
// and the stops it must not undo kept: a thermal latch, an operator's stop), the API answers an archived record
// with 410 RECORD_ARCHIVED, replay works from the boundary or with the archive, and an archive that
// fails is one warning while cycles keep appending.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HttpServer } from "@pithead/http";
import { type Ledger, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { signFleetRequest } from "../src/auth/sign.ts";
import { ManualClock } from "../src/clock.ts";
import { LedgerArchiver } from "../src/orchestrator/ledger-archiver.ts";
import type { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { formatReplay } from "../src/report/format.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, listenLocal, operatorFor } from "./helpers.ts";

function describeFleetArchiving(kind: "JSONL" | "SQLite"): void {
  const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
  const secret = "alpha-secret-0123456789abcdef";
  const root = mkdtempSync(join(tmpdir(), "pithead-fleet-archive-"));
  const archiveDir = join(root, "archive");
  const P = "fleet/alpha";
  let simulator: FleetSimulator;
  let ledger: Ledger;
  let controller: OperatorController;
  let server: HttpServer;
  let base: string;
  let hot: string;
  let maintained: string;
  const logged: { level: string; message: string }[] = [];
  const log = {
    info: (_: unknown, message: string) => logged.push({ level: "info", message }),
    warn: (_: unknown, message: string) => logged.push({ level: "warn", message }),
  };

  async function openStore(): Promise<Ledger> {
    const signer = loadOrCreateSigner(join(root, "ledger.key"), "fleet.test");
    return kind === "JSONL"
      ? await openLedger({ store: "jsonl", dir: join(root, "ledger"), signer, sealBytes: 32 * 1024 })
      : await openLedger({ store: "sqlite", path: join(root, "ledger.sqlite"), signer });
  }
  /** The fleet's archive settings; on SQLite, segments of 64 records (not 4096) for a test this size. */
  const archiveConfig = (dir: string) => ({ dir, afterDays: 1, ...(kind === "SQLite" ? { segmentRecords: 64 } : {}) });

  /** Power cheap enough (0.5 ¢/kWh) that even the cgminer ASC rigs run at a profit: no stop for a loss. */
  const alpha = () =>
    operatorFor("alpha", simulator.endpoints(), { secret, site: { energyMicroUsdPerKwh: 5_000, poolFeePpm: 0 } });

  async function cycles(n: number) {
    for (let i = 0; i < n; i++) {
      await controller.runCycle();
      clock.advance(30_000);
    }
  }

  async function call(path: string) {
    const signature = await signFleetRequest({ operatorId: "alpha", secret, method: "GET", path, now: clock.now() });
    const response = await fetch(`${base}${path}`, { headers: signature });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
    };
  }

  beforeAll(async () => {
    simulator = await FleetSimulator.start({ miners: 8, clock, models: ["s19", "s21", "cgminer-asc"] });
    ledger = await openStore();
    controller = await controllerFor(alpha(), ledger, clock);
    // Two days of history (compressed: a cycle every 30 s for a while, then the clock jumps), a manual mode switch.
    // One miner's cooling fails early on: the controller stops it (a STOP receipt in what gets archived).
    // (A cgminer ASC rig: the family whose firmware can stop and start hashing.)
    // Another such rig an operator stops for maintenance, early on too (its STOP is archived as well).
    [hot, maintained] = simulator
      .endpoints()
      .filter((endpoint) => endpoint.model === "cgminer-asc")
      .map((endpoint) => endpoint.id) as [string, string];
    await simulator.setFault(hot, { kind: "over-temperature" });
    await cycles(1);
    await controller.manualCommand(maintained, "STOP", "operator:alpha", "maintenance");
    await cycles(39);
    expect(controller.minerView(hot).memory).toMatchObject({ stoppedByController: true, latch: "THERMAL_LATCH" });
    expect(controller.minerView(maintained).memory).toMatchObject({ latch: "STOPPED_BY_OPERATOR" });
    await controller.setMode("MANUAL", "ops", "maintenance window");
    await cycles(10);
    clock.advance(2 * 86_400_000);
    await cycles(5);
    server = await createFleetServer({
      controllers: new Map([["alpha", controller]]),
      ledger,
      clock,
      auth: { disabled: false, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    base = await listenLocal(server);
  });

  afterAll(async () => {
    await server?.close();
    await simulator?.close();
    await ledger?.close();
    rmSync(root, { recursive: true, force: true });
  });

  describe(`fleet ledger archiving (${kind})`, () => {
    let boundary = 0;

    it("moves the operator's segments older than LEDGER_ARCHIVE_AFTER_DAYS, logs it, and keeps cycling", async () => {
      // As the service passes them: a Map's values(), an iterator (each run must still see every operator).
      const archiver = new LedgerArchiver({
        ledger,
        config: archiveConfig(archiveDir),
        clock,
        log,
        controllers: new Map([["alpha", controller]]).values(),
      });
      const [report] = await archiver.run();
      expect(report!.moved.length).toBeGreaterThan(0);
      boundary = report!.archivedTo;
      expect(
        logged
          .filter((l) => l.level === "info")
          .map((l) => l.message)
          .join("\n"),
      ).toMatch(/archived \d+ ledger segments of fleet\/alpha/);
      await cycles(2);
      expect((await ledger.verify(P)).ok).toBe(true);
      expect(await archiver.run()).toHaveLength(1);
    });

    it("answers an archived record with 410 RECORD_ARCHIVED, a local one as before; lists stop at the boundary", async () => {
      // The status says where the local records start (and no path of the server's).
      const status = await call("/operators/alpha/ledger/status");
      expect(status.body.archived).toMatchObject({ records: boundary });
      expect((status.body.archived as { segments: number }).segments).toBeGreaterThan(0);
      expect(JSON.stringify(status.body)).not.toContain(archiveDir);
      const archived = await call("/operators/alpha/ledger/records/0");
      expect(archived.status).toBe(410);
      expect(archived.body.error?.code).toBe("RECORD_ARCHIVED");
      expect(archived.body.error?.message).toMatch(/record 0 of partition "fleet\/alpha" was archived on/);
      const local = await call(`/operators/alpha/ledger/records/${boundary + 1}`);
      expect(local.status).toBe(200);
      const below = await call(`/operators/alpha/ledger/telemetry?before=${boundary - 1}`);
      expect(below.status).toBe(410);
      expect(below.body.error?.code).toBe("RECORD_ARCHIVED");
      const page = await call("/operators/alpha/ledger/telemetry?limit=500");
      expect(page.status).toBe(200);
      expect((page.body.records as { seq: number }[]).every((r) => r.seq >= boundary)).toBe(true);
      // The plain record list starts at the boundary, and newest first ends there: a page, not a 410.
      const oldest = await call("/operators/alpha/ledger/records?limit=5");
      expect(oldest.status).toBe(200);
      expect(oldest.body).toMatchObject({ archivedBelow: boundary });
      expect((oldest.body.records as { seq: number }[])[0]?.seq).toBe(boundary);
      const last = await call(`/operators/alpha/ledger/records?reverse=true&from=${boundary + 2}&limit=50`);
      expect((last.body.records as { seq: number }[]).map((r) => r.seq)).toEqual([
        boundary + 2,
        boundary + 1,
        boundary,
      ]);
      expect(last.body.next).toBeNull();
      const beyond = await call(`/operators/alpha/ledger/records?reverse=true&from=${boundary - 1}`);
      expect(beyond.status).toBe(200);
      expect(beyond.body).toEqual({ records: [], next: null, archivedBelow: boundary });
      const configs = await call("/operators/alpha/ledger/records?type=fleet.config&reverse=true&limit=1000");
      expect(configs.status).toBe(200);
      const configSeqs = (configs.body.records as { seq: number; type: string }[]).map((r) => r.seq);
      expect(configSeqs.every((seq) => seq >= boundary)).toBe(true);
      expect((configs.body.records as { type: string }[]).every((r) => r.type === "fleet.config")).toBe(true);
    });

    it("replays from the boundary (saying how many records lie in the archive), and from record 0 with the archive", async () => {
      const local = await replayPartition(ledger, P, "alpha");
      expect(local.archived).toMatchObject({ records: boundary, read: false });
      expect(formatReplay(local)).toContain(`records 0..${boundary - 1} lie in the archive and were not replayed`);
      expect(local.ok, JSON.stringify(local.differences.filter((d) => d.kind !== "archived-history").slice(0, 3))).toBe(
        true,
      );
      const full = await replayPartition(ledger, P, "alpha", { archive: archiveDir });
      expect(full.archived).toMatchObject({ records: boundary, read: true });
      expect(full.ok).toBe(true);
      expect(full.records).toBeGreaterThan(local.records);
    });

    it("restarts on the archived partition with its state (the manual mode, the miners it stopped) kept", async () => {
      await ledger.close();
      ledger = await openStore();
      controller = await controllerFor(alpha(), ledger, clock);
      expect(controller.mode).toBe("MANUAL");
      // The miners it stopped (their STOP receipts now archived) are still known as stopped, and why
      // (fleet.memory's stoppedFor): the thermal latch and the operator's stop both hold.
      expect(controller.minerView(hot).memory).toMatchObject({
        stoppedByController: true,
        stoppedFor: { reason: "OVER_TEMPERATURE" },
        latch: "THERMAL_LATCH",
      });
      expect(controller.minerView(maintained).memory).toMatchObject({
        stoppedByController: true,
        stoppedFor: { reason: "MANUAL_COMMAND" },
        latch: "STOPPED_BY_OPERATOR",
      });
      // Its cooling repaired, the hot one cools down: still not started (HOLD, not a RUN that MANUAL
      // mode would suppress), and neither is the one under maintenance.
      await simulator.clearFault(hot, "over-temperature");
      clock.advance(10 * 60_000);
      const report = await controller.runCycle();
      clock.advance(30_000);
      const decisionOf = (minerId: string) => report.decisions.find((d) => d.minerId === minerId);
      expect(decisionOf(hot)).toMatchObject({ action: "HOLD", reason: "THERMAL_LATCH" });
      expect(decisionOf(maintained)).toMatchObject({ action: "HOLD", reason: "STOPPED_BY_OPERATOR" });
      const verified = await ledger.verify(P);
      expect(verified.problems).toEqual([]);
      expect(verified.ok).toBe(true);
    });

    it("an archive that fails (the mount is gone) is one warning; cycles go on appending", async () => {
      const blocked = join(root, "not-a-dir");
      writeFileSync(blocked, "a file where the mount was");
      clock.advance(2 * 86_400_000);
      await cycles(3);
      const before = logged.length;
      const archiver = new LedgerArchiver({
        ledger,
        config: archiveConfig(blocked),
        clock,
        log,
        controllers: [controller],
      });
      const size = await ledger.size(P);
      await archiver.run();
      await cycles(1);
      await archiver.run();
      const warnings = logged.slice(before).filter((l) => l.level === "warn");
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.message).toMatch(/archiving old ledger segments to .*not-a-dir failed/);
      expect(await ledger.size(P)).toBeGreaterThan(size);
    });
  });
}

describeFleetArchiving("JSONL");
describeFleetArchiving("SQLite");
