// Controller-level regressions, over real TCP sockets and a real ledger: figures that broke the
// arithmetic, a mode lost on restart, a second writer on the same ledger, and counters that go
// backwards from the first poll.

import { createServer, type Server } from "node:net";
import { openLedger } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { CgminerAdapter, type MinerEndpoint } from "../src/cgminer/adapter.ts";
import { ManualClock } from "../src/clock.ts";
import { defaultPolicy } from "../src/core/policy.ts";
import { type Json, recordTypes } from "../src/core/records.ts";
import { decisionRulesVersion } from "../src/core/rules-version.ts";
import { MarketCache } from "../src/market/market-cache.ts";
import { defaultFixedMarket, fixedSource, type NetworkSource } from "../src/market/sources.ts";
import { claimLedger, FleetLedgerInUseError } from "../src/orchestrator/claim-ledger.ts";
import { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator, type SimulatedEndpoint } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 5, 1, 6));
let simulator: FleetSimulator;
let wild: { endpoint: MinerEndpoint; server: Server };

/** A cgminer of no known model whose summary says "MHS 5s": 1e300 (it refuses joins, as some do). */
async function wildMiner(): Promise<{ endpoint: MinerEndpoint; server: Server }> {
  const status = (code: number, msg: string, letter = "S") => [
    { STATUS: letter, When: 0, Code: code, Msg: msg, Description: "cgminer 4.12.1" },
  ];
  const server = createServer((socket) => {
    socket.on("data", (data) => {
      const { command } = JSON.parse(data.toString()) as { command: string };
      const reply =
        command === "summary"
          ? { STATUS: status(11, "Summary"), SUMMARY: [{ "MHS 5s": 1e300, Elapsed: 600, Accepted: 10 }], id: 1 }
          : command === "version"
            ? { STATUS: status(22, "CGMiner versions"), VERSION: [{ CGMiner: "4.12.1", API: "3.7" }], id: 1 }
            : { STATUS: status(14, "Invalid command", "E"), id: 1 };
      socket.end(`${JSON.stringify(reply)}\0`);
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    endpoint: { id: "wild", host: "127.0.0.1", port: typeof address === "object" && address ? address.port : 0 },
    server,
  };
}

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 4, clock, models: ["avalon-1246", "s19"] });
  simulator.miner("sim-001").setFault({ kind: "over-temperature" });
  simulator.miner("sim-003").setFault({ kind: "over-temperature" });
  clock.advance(10 * 60_000); // the chips climb past the stop level
  wild = await wildMiner();
});

afterAll(async () => {
  await simulator?.close();
  wild?.server.close();
});

const endpoint = (id: string) => simulator.endpoints().find((e) => e.id === id) as SimulatedEndpoint;

describe("a cycle never fails because of one miner's or one source's numbers", () => {
  it("a miner answering 1e300 MH/s is an impossible value; the over-temperature miner beside it is still stopped, and the ledger replays", async () => {
    await using store = await openTestLedger("sqlite");
    const operator = operatorFor("op-wild", [endpoint("sim-001"), endpoint("sim-002")]);
    operator.miners.push(wild.endpoint); // no model configured
    const patched = await controllerFor(operator, store.ledger, clock);
    const report = await patched.runCycle();
    expect(report.decisions.filter((d) => d.action !== "HOLD")).toEqual([
      expect.objectContaining({ minerId: "sim-001", action: "STOP", reason: "OVER_TEMPERATURE" }),
    ]);
    expect(report.receipts).toEqual([expect.objectContaining({ minerId: "sim-001", status: "ok" })]);
    expect(report.negativeProofs).toEqual([
      {
        minerId: "wild",
        stage: "gate",
        suppressed: "decision",
        reason: "IMPOSSIBLE_HASHRATE",
        detail: expect.any(String),
      },
    ]);
    const replay = await replayPartition(store.ledger, patched.partition, "op-wild");
    expect(replay).toMatchObject({ ok: true, differences: [] });
  });

  it("a market source answering difficulty 1 makes the market data unusable: every miner gated with the reason, the hot one stopped", async () => {
    await using store = await openTestLedger("sqlite");
    const broken: NetworkSource = {
      name: "broken",
      async fetchNetwork() {
        return {
          difficulty: "1",
          feesPerBlockSat: 0,
          height: 900_000,
          source: "mempool https://broken.example",
          sourceAt: new Date(clock.now()).toISOString(),
        };
      },
    };
    const controller = await OperatorController.open({
      operator: operatorFor("op-market", [endpoint("sim-003"), endpoint("sim-004")]),
      recorder: store.ledger,
      adapter: new CgminerAdapter({ transport: { connectTimeoutMs: 1_000, totalTimeoutMs: 2_000 } }),
      market: new MarketCache({ price: fixedSource(defaultFixedMarket, () => clock.now()), network: broken, clock }),
      clock,
    });
    const report = await controller.runCycle();
    expect(report.decisions).toEqual([
      expect.objectContaining({ minerId: "sim-003", action: "STOP", reason: "OVER_TEMPERATURE" }),
    ]);
    expect(report.negativeProofs).toEqual([
      {
        minerId: "sim-004",
        stage: "gate",
        suppressed: "decision",
        reason: "IMPLAUSIBLE_NETWORK",
        detail: expect.any(String),
      },
    ]);
    const divergences = [];
    for await (const record of store.ledger.read(controller.partition, { type: recordTypes.divergence }))
      divergences.push(record.body);
    expect(divergences).toContainEqual(
      expect.objectContaining({
        code: "IMPLAUSIBLE_NETWORK",
        detail:
          "network difficulty 1 is outside the plausible range 1e+12…1e+18 (from mempool https://broken.example): the market data is unusable",
      }),
    );
    expect((await replayPartition(store.ledger, controller.partition, "op-market")).ok).toBe(true);
  });

  it.each([
    { rules: undefined, says: `decided under decision rules 1, replayed under rules ${decisionRulesVersion}` },
    // A rollback: a cycle a newer release decided is reported as such, not as tampering.
    { rules: 99, says: `decided under decision rules 99, newer than this release's ${decisionRulesVersion}` },
  ])(
    "replay of a cycle decided under other rules (%o) does not throw or fail: it says which rules",
    async ({ rules, says }) => {
      await using store = await openTestLedger("jsonl");
      const partition = "fleet/op-old";
      const at = new Date(clock.now());
      const [, cycle] = await store.ledger.appendBatch(partition, [
        {
          type: recordTypes.config,
          body: {
            operatorId: "op-old",
            label: "op-old",
            mode: "AUTO",
            dryRun: false,
            policy: defaultPolicy as unknown as Json,
            site: { energyMicroUsdPerKwh: 50_000, poolFeePpm: 20_000 },
            miners: 1,
          },
          at,
        },
        // Rules 1: no `rules` field. The cycle stopped after its observations (RangeError).
        {
          type: recordTypes.cycle,
          body: { now: at.toISOString(), mode: "AUTO", dryRun: false, miners: 1, ...(rules ? { rules } : {}) },
          at,
        },
      ]);
      const seq = cycle?.seq as number;
      const sourced = { source: "mempool", sourceAt: at.toISOString(), fetchedAt: at.toISOString(), error: null };
      await store.ledger.appendBatch(partition, [
        {
          type: recordTypes.price,
          body: { cycle: seq, available: true, usdPerBtc: "100000", microUsdPerBtc: 100_000_000_000, ...sourced },
          at,
        },
        {
          type: recordTypes.network,
          body: { cycle: seq, available: true, difficulty: "1", feesPerBlockSat: 0, height: 900_000, ...sourced },
          at,
        },
        {
          type: recordTypes.telemetry,
          body: { cycle: seq, minerId: "a", ok: false, failure: "unreachable", reason: "refused", rawSha256: null },
          at,
        },
      ]);
      const replay = await replayPartition(store.ledger, partition, "op-old");
      expect(replay.ok).toBe(true);
      expect(replay.olderRules).toEqual({ cycles: 1, differences: replay.differences.length });
      expect(replay.differences.length).toBeGreaterThan(0);
      expect(replay.differences.every((d) => d.kind === "rules-changed")).toBe(true);
      expect(replay.differences[0]?.detail).toContain(says);
    },
  );
});

describe("the mode an operator set", () => {
  it("survives a restart with a changed setting; an edit of the configured mode changes it, recorded with who and why", async () => {
    await using store = await openTestLedger("sqlite");
    const miners = [endpoint("sim-002")];
    const first = await controllerFor(operatorFor("op-mode", miners), store.ledger, clock);
    await first.setMode("MANUAL", "operator:op-mode", "site visit");
    // Restarted with POOL_FEE_PERCENT changed: a new fleet.config record, still configured AUTO.
    const restarted = await controllerFor(
      operatorFor("op-mode", miners, { site: { energyMicroUsdPerKwh: 40_000, poolFeePpm: 10_000 } }),
      store.ledger,
      clock,
    );
    expect(restarted.mode).toBe("MANUAL");
    expect((await restarted.runCycle()).mode).toBe("MANUAL");

    await restarted.setMode("AUTO", "operator:op-mode");
    const edited = await controllerFor(
      operatorFor("op-mode", miners, { mode: "MANUAL", site: { energyMicroUsdPerKwh: 40_000, poolFeePpm: 10_000 } }),
      store.ledger,
      clock,
    );
    expect(edited.mode).toBe("MANUAL");
    const modes = [];
    for await (const record of store.ledger.read("fleet/op-mode", { type: recordTypes.mode })) modes.push(record.body);
    expect(modes.at(-1)).toEqual({
      mode: "MANUAL",
      previous: "AUTO",
      by: "config",
      reason: "the configured mode changed from AUTO to MANUAL",
    });
    expect((await replayPartition(store.ledger, "fleet/op-mode", "op-mode")).ok).toBe(true);
  });
});

describe("a second controller on the same ledger", () => {
  // Two Ledger instances of one process stand in for two processes here (the CLI test runs two).
  // Each case uses its own ledger: the ledger package drops a lock held by its own process when a
  // second instance fails to take it, so only the first refusal is meaningful in one process.
  it("is refused at start, naming the ledger and the holder", async () => {
    await using store = await openTestLedger("jsonl");
    await controllerFor(operatorFor("op-lock", [endpoint("sim-002")]), store.ledger, clock); // holds the lock
    const second = await openLedger({ store: "jsonl", dir: `${store.dir}/ledger` });
    try {
      const refused = await claimLedger(second, ["op-lock"], "the fleet ledger ./x (DATA_DIR ./data)").catch(
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(FleetLedgerInUseError);
      expect((refused as Error).message).toMatch(
        /^the fleet ledger \.\/x \(DATA_DIR \.\/data\) is in use by another fleet controller — partition "fleet\/op-lock" already has a writer: this process \(another Ledger instance\) holds \S+writer\.lock/,
      );
    } finally {
      await second.close();
    }
  });

  it("a write that meets another writer is a 503 naming it, not a 500", async () => {
    await using store = await openTestLedger("jsonl");
    const operator = operatorFor("op-lock", [endpoint("sim-002")]);
    await controllerFor(operator, store.ledger, clock);
    const second = await openLedger({ store: "jsonl", dir: `${store.dir}/ledger` });
    const late = await controllerFor(operator, second, clock); // nothing to write on open: no lock asked
    const app = await createFleetServer({
      controllers: new Map([["op-lock", late]]),
      ledger: second,
      clock,
      auth: { disabled: true, legacyBearer: false, maxSkewMs: 60_000 },
      logger: false,
    });
    try {
      const run = await app.inject({ method: "POST", url: "/loop/run-once" });
      expect(run.statusCode).toBe(503);
      expect(run.json().error).toMatchObject({
        code: "LEDGER_IN_USE",
        message: expect.stringMatching(/^partition "fleet\/op-lock" already has a writer: this process/),
      });
    } finally {
      await app.close();
      await second.close();
    }
  });
});

describe("the simulator's impossible:counters-backwards fault", () => {
  it("given at launch, makes the counters go backwards between polls, so the divergence check fires", async () => {
    await using fleet = await FleetSimulator.start({ miners: 1, clock, models: ["s19"] });
    await fleet.setFault("sim-001", { kind: "impossible", value: "counters-backwards" });
    await using store = await openTestLedger("sqlite");
    const controller = await controllerFor(operatorFor("op-counters", fleet.endpoints()), store.ledger, clock);
    const first = await controller.runCycle();
    expect(first.negativeProofs).toEqual([]);
    clock.advance(30_000);
    const second = await controller.runCycle();
    expect(second.negativeProofs).toEqual([
      {
        minerId: "sim-001",
        stage: "gate",
        suppressed: "decision",
        reason: "COUNTERS_BACKWARDS",
        detail: expect.any(String),
      },
    ]);
  });
});
