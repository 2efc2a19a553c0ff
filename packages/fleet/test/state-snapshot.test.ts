// A restart reads back only what happened since its state snapshot: the state, the start facts
// (last configuration, interrupted work to settle), the fleet view and the charts come out exactly
// as folding the whole partition gives them, wherever the snapshot was cut. A snapshot that does
// not continue the ledger as it is now (rewound, replaced, damaged) is not used, and replay and
// verify never read it.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Ledger, loadOrCreateSigner, openLedger } from "@pithead/ledger";
import { describe, expect, it, vi } from "vitest";
import { CgminerAdapter } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { loadFleetConfig } from "../src/config/load-config.ts";
import type { OperatorConfig } from "../src/config/types.ts";
import type { Action } from "../src/core/records.ts";
import { snapshotFile, startFleetService } from "../src/fleet-service.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource } from "../src/market/sources.ts";
import { FleetViewState } from "../src/orchestrator/fleet-view-state.ts";
import { MinerHistory } from "../src/orchestrator/history.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import type { Recorder, StoredRecordLike } from "../src/orchestrator/recorder.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import type { SnapshotOptions } from "../src/orchestrator/snapshot-keeper.ts";
import { decodeSnapshot, encodeSnapshot, encodeStatePart, restoreView } from "../src/orchestrator/state-snapshot.ts";
import type { Fault } from "../src/simulator/faults.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { crashingOn, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

/** A controller as the service opens one, with a snapshot file or without. */
async function controllerWith(
  operator: OperatorConfig,
  recorder: Recorder,
  clock: ManualClock,
  snapshot?: SnapshotOptions,
): Promise<OperatorController> {
  const source = fixedSource(defaultFixedMarket, () => clock.now());
  const market = new MarketCache({ price: source, network: source, clock });
  const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } });
  return await OperatorController.open({
    operator,
    recorder,
    adapter,
    market,
    clock,
    concurrency: 64,
    ...(snapshot ? { snapshot } : {}),
  });
}

/** The ledger as it is, for a controller that must not change it: what it appends is kept aside. */
function frozen(recorder: Recorder): Recorder & { appended: StoredRecordLike[] } {
  const appended: StoredRecordLike[] = [];
  let size: number | undefined;
  return {
    appended,
    append: () => Promise.reject(new Error("frozen")),
    appendBatch: async (partition, entries) => {
      size ??= await recorder.size(partition);
      const stored = entries.map((entry) => ({
        seq: (size as number) + appended.length,
        type: entry.type,
        at: (entry.at ?? new Date()).toISOString(),
        body: entry.body,
        hash: "appended",
      }));
      appended.push(...stored);
      return stored;
    },
    get: (...args) => recorder.get(...args),
    read: (...args) => recorder.read(...args),
    size: (...args) => recorder.size(...args),
  };
}

/** A recorder whose batches with a record of `type` fail until it is disarmed (the disk, for a while). */
function crashingOnce(type: string, recorder: Recorder): Recorder & { disarm(): void } {
  let crashed = false;
  const crashing = crashingOn(type, recorder);
  return {
    ...crashing,
    appendBatch: (partition, entries) => {
      if (crashed || !entries.some((entry) => entry.type === type)) return recorder.appendBatch(partition, entries);
      return crashing.appendBatch(partition, entries);
    },
    disarm: () => {
      crashed = true;
    },
  };
}

/** A recorder that counts the records read from it. */
function counting(recorder: Recorder): Recorder & { read: Recorder["read"]; count: () => number } {
  let read = 0;
  return {
    ...frozen(recorder),
    read: (partition, options) => ({
      async *[Symbol.asyncIterator]() {
        for await (const record of recorder.read(partition, options)) {
          read++;
          yield record;
        }
      },
    }),
    count: () => read,
  };
}

/** Everything a controller derived from its partition, and what it wrote on opening. */
function derived(controller: OperatorController, appended: StoredRecordLike[]) {
  const inside = controller as unknown as {
    state: unknown;
    facts: { toJSON(): unknown };
    view: Record<string, unknown>;
  };
  const history = controller.history.toSnapshot();
  return {
    state: inside.state,
    facts: inside.facts.toJSON(),
    // Every field of the view, whatever it holds.
    view: { ...inside.view },
    history: { ...history, columns: Object.fromEntries(Object.entries(history.columns).map(([k, v]) => [k, [...v]])) },
    fleetTotals: controller.fleetTotals,
    lastCycleSeen: controller.lastCycleSeen,
    miners: controller.miners().map((miner) => ({
      view: controller.minerView(miner.id),
      series: controller.history.series(miner.id),
    })),
    appended: appended.map(({ type, body, at }) => ({ type, body, at })),
  };
}

/** A small seeded generator: the same scenario on every run. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T };
}

const faults: Fault[] = [
  { kind: "over-temperature" },
  { kind: "unreachable" },
  { kind: "low-hashrate", fraction: 0.2 },
  { kind: "stalled" },
  { kind: "malformed", form: "garbage" },
  { kind: "impossible", value: "hashrate-spike" },
];

describe("the state snapshot", () => {
  it.each([
    [2, "sqlite"],
    [7, "jsonl"],
  ] as const)(
    "snapshot + the records after it == folding the whole partition, at every cut point (seed %i, %s)",
    async (seed, store) => {
      await using ledger = await openTestLedger(store);
      const clock = new ManualClock(Date.UTC(2026, 8, 1));
      // Mostly rigs that can be stopped over the API (stock Antminers cannot: UNSUPPORTED_BY_FIRMWARE).
      const models = ["cgminer-asc", "avalon-1246", "cgminer-asc", "avalon-1246", "s19", "m30s"];
      await using simulator = await FleetSimulator.start({ miners: 6, clock, models, seed });
      const file = join(ledger.dir, "fleet-state-op-snap.snapshot");
      const rng = random(seed);
      let energy = 40_000;
      let dryRun = false;
      let configuredMode: "AUTO" | "MANUAL" = "AUTO";
      const operator = () =>
        operatorFor("op-snap", simulator.endpoints(), {
          mode: configuredMode,
          dryRun,
          site: { energyMicroUsdPerKwh: energy, poolFeePpm: 20_000 },
          policy: { cooldownMs: 60_000 },
        });
      const open = async (recorder: Recorder = ledger.ledger, snapshotFile = file) => {
        const controller = await controllerWith(operator(), recorder, clock, { file: snapshotFile, everyMs: 0 });
        return controller;
      };
      let controller = await open();
      const snapshots: string[] = [];
      const keep = async () => {
        const outcome = await controller.saveSnapshot();
        if (!outcome.written) return;
        const inside = controller as unknown as { facts: { unsettled: Map<string, unknown> } };
        if (inside.facts.unsettled.size > 0) used.unsettledCarried++;
        const copy = `${file}.${snapshots.length}`;
        copyFileSync(file, copy);
        snapshots.push(copy);
      };
      const used = {
        restartsFromSnapshot: 0,
        crashes: 0,
        manual: 0,
        configChanges: 0,
        settledOnStart: 0,
        unsettledCarried: 0,
      };
      /** A start now, from the latest snapshot and from the whole partition: the same, to the records it appends. */
      const sameStart = async () => {
        if (!existsSync(file)) return;
        const whole = frozen(ledger.ledger);
        const fromSnapshot = frozen(ledger.ledger);
        const a = derived(await open(whole, join(ledger.dir, "none.snapshot")), whole.appended);
        const restarted = await open(fromSnapshot, file);
        expect(restarted.startReport).toMatchObject({ from: "snapshot" });
        expect(derived(restarted, fromSnapshot.appended)).toEqual(a);
        if (a.appended.some((record) => record.type !== "fleet.config")) used.settledOnStart++;
      };

      for (let step = 0; step < 100; step++) {
        const roll = rng.next();
        const minerId = rng.pick(simulator.endpoints()).id;
        clock.advance(Math.floor(30_000 + rng.next() * 300_000));
        if (roll < 0.5) {
          await controller.runCycle();
        } else if (roll < 0.6) {
          const fault = rng.pick(faults);
          if (simulator.miner(minerId).hasFault(fault.kind)) await simulator.clearFault(minerId, fault.kind);
          else await simulator.setFault(minerId, fault);
        } else if (roll < 0.7) {
          const action = rng.pick<Exclude<Action, "HOLD">>(["STOP", "RUN", "RESTART"]);
          // Keys are sometimes used again: the answer must come from the first (decisions map).
          const key = rng.next() < 0.5 ? `key-${Math.floor(rng.next() * 4)}` : undefined;
          await controller
            .manualCommand(minerId, action, "operator:op-snap", "maintenance", key)
            .catch(() => undefined);
          used.manual++;
        } else if (roll < 0.75) {
          await controller.setMode(rng.pick(["AUTO", "MANUAL"] as const), "operator:op-snap");
        } else if (roll < 0.87) {
          // A restart, sometimes with another configuration, sometimes without the snapshot.
          if (rng.next() < 0.5) {
            energy = rng.pick([20_000, 40_000, 400_000]);
            dryRun = rng.next() < 0.2;
            configuredMode = rng.pick(["AUTO", "MANUAL"] as const);
            used.configChanges++;
          }
          if (rng.next() < 0.2) rmSync(file, { force: true });
          await controller.saveSnapshot();
          controller = await open();
          if (controller.startReport?.from === "snapshot") used.restartsFromSnapshot++;
        } else {
          // The process dies mid-cycle (no snapshot written then), or a cycle fails and it goes on.
          const type = rng.pick(["fleet.decision", "fleet.receipt", "fleet.negative-proof", "fleet.profit"]);
          const disk = crashingOnce(rng.next() < 0.4 ? type : "fleet.receipt", ledger.ledger);
          const crashing = await open(disk);
          // A cycle that fails (then the process dies, or goes on: its next write records why), or a
          // person's command whose receipt is lost (unsettled until a start settles it, snapshots carry it).
          if (rng.next() < 0.6) {
            await crashing.runCycle().catch(() => undefined);
            // A cycle that went through writes a due snapshot in the background: done before another
            // controller writes the same file (one process never runs two on one file).
            await (crashing as unknown as { snapshots: { writing: Promise<unknown> | null } }).snapshots.writing;
            disk.disarm();
            controller = rng.next() < 0.5 ? await open() : crashing;
          } else {
            const stopped = rng.pick(simulator.endpoints().filter((m) => m.model !== "s19")).id;
            await crashing.manualCommand(stopped, "RESTART", "operator:op-snap").catch(() => undefined);
            disk.disarm();
            controller = crashing;
          }
          used.crashes++;
          await sameStart();
        }
        await keep();
        await sameStart();
      }
      // The scenario did what it claims: restarts from snapshots, crashes, commands, config changes.
      expect(used.restartsFromSnapshot).toBeGreaterThan(2);
      expect(used.crashes).toBeGreaterThan(2);
      expect(used.manual).toBeGreaterThan(2);
      expect(used.settledOnStart).toBeGreaterThan(1);
      expect(used.unsettledCarried).toBeGreaterThan(0);
      expect(snapshots.length).toBeGreaterThan(20);

      // The reference: the whole partition folded (no snapshot), on a copy of the ledger's state.
      const full = frozen(ledger.ledger);
      const reference = derived(await open(full, join(ledger.dir, "none.snapshot")), full.appended);
      expect(reference.appended.length).toBeGreaterThanOrEqual(0);
      const total = await ledger.ledger.size("fleet/op-snap");
      for (const snapshot of snapshots) {
        const tail = counting(ledger.ledger);
        const restarted = await open(tail, snapshot);
        expect(restarted.startReport).toMatchObject({ from: "snapshot" });
        expect(derived(restarted, (tail as unknown as { appended: StoredRecordLike[] }).appended)).toEqual(reference);
        // Only the records after the snapshot's cut were read (plus the one checked, and the last cycle found).
        const start = restarted.startReport as { snapshotSeq: number; records: number };
        expect(start.records).toBe(total - start.snapshotSeq - 1);
      }
    },
  );

  it("a restart reads back the last cycle and what followed, not the whole history", async () => {
    await using ledger = await openTestLedger("sqlite");
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    await using simulator = await FleetSimulator.start({ miners: 4, clock, seed: 3 });
    const file = join(ledger.dir, "fleet-state-op-tail.snapshot");
    const operator = operatorFor("op-tail", simulator.endpoints());
    const first = await controllerWith(operator, ledger.ledger, clock, { file });
    for (let i = 0; i < 30; i++) {
      await first.runCycle();
      clock.advance(30_000);
    }
    await first.saveSnapshot();
    // A clean shutdown wrote it: mode 0600, beside the ledger.
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const size = await ledger.ledger.size("fleet/op-tail");
    const tail = counting(ledger.ledger);
    const second = await controllerWith(operator, tail, clock, { file });
    // One cycle of 4 miners is about a dozen records; the partition holds 30 cycles.
    expect(second.startReport).toMatchObject({ from: "snapshot" });
    expect(tail.count()).toBeLessThan(size / 10);
    expect(second.minerView("sim-001")).toEqual(first.minerView("sim-001"));
    expect(second.history.series("sim-002")).toEqual(first.history.series("sim-002"));

    // Archived past its cut since (the records right after it are in the archive): not used.
    const decoded = decodeSnapshot(readFileSync(file)) as { stateSeq: number };
    const archived = { ...frozen(ledger.ledger), archived: async () => ({ records: decoded.stateSeq + 2 }) };
    const third = await controllerWith(operator, archived, clock, { file });
    expect(third.startReport).toMatchObject({
      from: "boundary",
      fromSeq: decoded.stateSeq + 2,
      snapshotNotUsed: `records up to #${decoded.stateSeq + 1} were archived after it was written`,
    });
  });

  it("a controller whose state stopped following the ledger writes no snapshot; the last one stays usable", async () => {
    await using ledger = await openTestLedger("sqlite");
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, seed: 4, models: ["cgminer-asc"] });
    const operator = operatorFor("op-gap", simulator.endpoints()); // $0.04/kWh: they are stopped
    const file = join(ledger.dir, "fleet-state-op-gap.snapshot");
    // The receipts are written, and then the write is reported failed (a lost acknowledgement).
    let lose = false;
    const recorder: Recorder = {
      ...frozen(ledger.ledger),
      appendBatch: async (partition, entries) => {
        const stored = await ledger.ledger.appendBatch(partition, entries);
        if (lose && entries.some((entry) => entry.type === "fleet.receipt")) throw new Error("acknowledgement lost");
        return stored;
      },
    };
    const controller = await controllerWith(operator, recorder, clock, { file, everyMs: 0 });
    await controller.runCycle();
    expect(await controller.saveSnapshot()).toMatchObject({ written: true });
    const good = readFileSync(file);
    lose = true;
    clock.advance(700_000);
    await controller.manualCommand("sim-001", "RUN", "operator:op-gap").catch(() => undefined);
    lose = false;
    await controller.runCycle();
    expect(await controller.saveSnapshot()).toMatchObject({
      written: false,
      why: expect.stringContaining("stopped following the ledger"),
    });
    expect(readFileSync(file).equals(good)).toBe(true);
    const restarted = await controllerWith(operator, frozen(ledger.ledger), clock, { file });
    expect(restarted.startReport).toMatchObject({ from: "snapshot" });
  });

  it("a snapshot that does not continue the ledger as it is now is not used: rewound, replaced, damaged", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-snapshot-"));
    const signer = loadOrCreateSigner(join(dir, "ledger.key"), "fleet.test");
    const path = join(dir, "ledger.sqlite");
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    await using simulator = await FleetSimulator.start({ miners: 3, clock, seed: 5, models: ["cgminer-asc"] });
    const operator = operatorFor("op-rw", simulator.endpoints()); // $0.04/kWh: these rigs do not pay
    const file = join(dir, "fleet-state-op-rw.snapshot");
    const ledgers: Ledger[] = [];
    const openAt = async (at: string) => {
      const opened = await openLedger({ store: "sqlite", path: at, signer });
      ledgers.push(opened);
      return opened;
    };
    try {
      let ledger = await openAt(path);
      const first = await controllerWith(operator, ledger, clock, { file });
      await first.runCycle();
      clock.advance(60_000);
      // The ledger as it was after one cycle (a backup restored later: the ledger rewound).
      await ledger.close();
      copyFileSync(path, join(dir, "backup.sqlite"));
      ledger = await openAt(path);
      const second = await controllerWith(operator, ledger, clock, { file });
      for (let i = 0; i < 3; i++) {
        await second.runCycle();
        clock.advance(60_000);
      }
      expect(await second.saveSnapshot()).toMatchObject({ written: true });
      await ledger.close();
      const written = readFileSync(file);

      // Rewound: the backup has fewer records than the snapshot was folded up to.
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${path}${suffix}`, { force: true });
      copyFileSync(join(dir, "backup.sqlite"), path);
      ledger = await openAt(path);
      const rewound = frozen(ledger);
      const restarted = await controllerWith(operator, rewound, clock, { file });
      expect(restarted.startReport).toMatchObject({
        from: "boundary",
        snapshotNotUsed: expect.stringContaining("rewound"),
      });
      // Exactly what a start without any snapshot gives (the later cycles are not in it).
      const plain = frozen(ledger);
      const none = await controllerWith(operator, plain, clock);
      expect(derived(restarted, rewound.appended)).toEqual(derived(none, plain.appended));
      expect(restarted.lastCycleSeen?.cycleSeq).toBeLessThan(second.lastCycleSeen?.cycleSeq as number);

      // Replaced: another ledger, longer than the snapshot's cut, written by another run.
      const other = await openAt(join(dir, "other.sqlite"));
      const elsewhere = await controllerWith(
        operatorFor("op-rw", simulator.endpoints(), { dryRun: true }),
        other,
        clock,
      );
      const cut = decodeSnapshot(written) as { seq: number };
      while ((await other.size("fleet/op-rw")) <= cut.seq) {
        clock.advance(45_000);
        await elsewhere.runCycle();
      }
      const replaced = await controllerWith(operator, frozen(other), clock, { file });
      expect(replaced.startReport).toMatchObject({
        from: "boundary",
        snapshotNotUsed: expect.stringContaining("is not the one it was folded up to"),
      });

      // Damaged (one byte flipped), or not a snapshot at all: said, and not used.
      const damaged = Buffer.from(written);
      damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 0xff;
      writeFileSync(file, damaged);
      const fromDamaged = await controllerWith(operator, frozen(ledger), clock, { file });
      expect(fromDamaged.startReport).toMatchObject({ from: "boundary", snapshotNotUsed: "it is damaged (checksum)" });
      writeFileSync(file, "not a snapshot");
      const fromJunk = await controllerWith(operator, frozen(ledger), clock, { file });
      expect(fromJunk.startReport).toMatchObject({ from: "boundary", snapshotNotUsed: "it is not a state snapshot" });
    } finally {
      for (const opened of ledgers) await opened.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("replay and verify never read the snapshot: a forged one changes a restart, not their verdicts", async () => {
    await using ledger = await openTestLedger("jsonl");
    const clock = new ManualClock(Date.UTC(2026, 8, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, seed: 9, models: ["s19"] });
    const operator = operatorFor("op-forge", simulator.endpoints());
    const file = join(ledger.dir, "fleet-state-op-forge.snapshot");
    const controller = await controllerWith(operator, ledger.ledger, clock, { file });
    for (let i = 0; i < 3; i++) {
      await controller.runCycle();
      clock.advance(60_000);
    }
    const replayBefore = await replayPartition(ledger.ledger, "fleet/op-forge", "op-forge");
    const verifyBefore = await ledger.ledger.verify("fleet/op-forge");
    await controller.saveSnapshot();
    // Forged: the same cut, but the snapshot says sim-001 was stopped by an operator.
    const decoded = decodeSnapshot(readFileSync(file));
    if ("problem" in decoded) throw new Error(decoded.problem);
    const memory = decoded.state.miners.get("sim-001");
    decoded.state.miners.set("sim-001", {
      ...(memory as NonNullable<typeof memory>),
      stoppedByController: true,
      latch: "STOPPED_BY_OPERATOR",
    });
    const history = new MinerHistory(decoded.history.capacity);
    history.restore(decoded.history);
    const view = new FleetViewState();
    restoreView(view, decoded.view);
    writeFileSync(
      file,
      encodeSnapshot({
        partition: decoded.partition,
        fromSeq: decoded.fromSeq,
        statePart: encodeStatePart(decoded.stateSeq, decoded.state, decoded.facts),
        seq: decoded.seq,
        hash: decoded.hash,
        view,
        history,
        fleetProfit: decoded.fleetProfit,
      }),
    );
    const restarted = await controllerWith(operator, frozen(ledger.ledger), clock, { file });
    expect(restarted.minerView("sim-001").memory.latch).toBe("STOPPED_BY_OPERATOR");
    // The evidence says otherwise, and replay and verify read only the evidence.
    expect(await replayPartition(ledger.ledger, "fleet/op-forge", "op-forge")).toEqual(replayBefore);
    expect(await ledger.ledger.verify("fleet/op-forge")).toEqual(verifyBefore);
  });

  it("a cycle run through POST /loop/run-once (the loop off) writes it, not only a shutdown", async () => {
    const data = mkdtempSync(join(tmpdir(), "pithead-fleet-snapshot-"));
    const env = { DATA_DIR: data, AUTH_DISABLED: "true", LOOP_ENABLED: "false", PORT: "0", SIMULATED_MINERS: "3" };
    const service = await startFleetService(loadFleetConfig(env), { logger: false });
    try {
      const file = snapshotFile(data, "default");
      const ran = await service.server.inject({ method: "POST", url: "/loop/run-once" });
      expect(ran.statusCode).toBe(200);
      // Written in the background after the cycle; the process is still running (a SIGKILL now loses nothing).
      await vi.waitFor(() => expect(existsSync(file)).toBe(true), { timeout: 10_000 });
      const decoded = decodeSnapshot(readFileSync(file));
      expect("problem" in decoded).toBe(false);
      expect((decoded as { seq: number }).seq).toBeGreaterThan(ran.json<{ cycleSeq: number }>().cycleSeq);
    } finally {
      await service.close();
      rmSync(data, { recursive: true, force: true });
    }
  });

  it("the service writes it on a clean shutdown and the next start says it loaded it", async () => {
    const data = mkdtempSync(join(tmpdir(), "pithead-fleet-snapshot-"));
    const env = {
      DATA_DIR: data,
      API_SECRET: "a-test-secret-of-enough-length",
      OPERATOR_ID: "op-svc",
      LOOP_ENABLED: "false",
      PORT: "0",
      SIMULATED_MINERS: "3",
    };
    const lines: { msg: string; level: number; operator?: string }[] = [];
    const logger = { level: "info", stream: { write: (line: string) => lines.push(JSON.parse(line)) } };
    try {
      const first = await startFleetService(loadFleetConfig(env), { logger: false, loop: false });
      const controller = first.controllers.get("op-svc") as OperatorController;
      for (let i = 0; i < 3; i++) await controller.runCycle();
      const seen = controller.lastCycleSeen;
      await first.close();
      const file = snapshotFile(data, "op-svc");
      expect(statSync(file).mode & 0o777).toBe(0o600);

      const second = await startFleetService(loadFleetConfig(env), { logger: logger as never, loop: false });
      try {
        expect(lines.find((line) => line.operator === "op-svc")?.msg).toMatch(
          /^operator 'op-svc': state loaded from its snapshot \(through record #\d+\) and the \d+ records after it$/,
        );
        expect(second.controllers.get("op-svc")?.lastCycleSeen).toEqual(seen);
      } finally {
        await second.close();
      }
      // Deleted: the next start folds the ledger, and says why.
      rmSync(file);
      lines.length = 0;
      const third = await startFleetService(loadFleetConfig(env), { logger: logger as never, loop: false });
      await third.close();
      const none = lines.find((line) => line.operator === "op-svc");
      expect(none?.msg).toMatch(
        /state folded from the ledger \(\d+ records from #0\); its state snapshot was not used: there is none$/,
      );
      expect(none?.level).toBe(30); // info: none is what a first start has
      // One that is there but cannot be used is a warning (someone filtering warn+ hears of the slow start).
      const written = readFileSync(file);
      written.writeUInt8(written.readUInt8(written.length - 1) ^ 0xff, written.length - 1);
      writeFileSync(file, written);
      lines.length = 0;
      const fourth = await startFleetService(loadFleetConfig(env), { logger: logger as never, loop: false });
      await fourth.close();
      const damaged = lines.find((line) => line.operator === "op-svc");
      expect(damaged?.msg).toMatch(/its state snapshot was not used: it is damaged \(checksum\)$/);
      expect(damaged?.level).toBe(40);
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });
});
