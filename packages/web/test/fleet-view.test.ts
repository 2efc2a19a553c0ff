// The Fleet page's rows and charts as a person reads them: a STOP that was suppressed does not read
// as done, a hot miner is marked, a miner not hashing shows $0 with what it would make if running,
// a miner whose every poll failed says so, and a command whose answer was lost is sent again with
// the same Idempotency-Key (the controller answers with the first result instead of acting twice).

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type FleetMiner, fleet, type HistoryPoint } from "../app/api/fleet.ts";
import { OPERATOR, SECRET, startTestFleet, type TestFleet } from "./support/fleet.ts";
import { renderComponent } from "./support/render.ts";

const hotMiner: FleetMiner = {
  id: "m003",
  host: "10.0.0.3",
  port: 4028,
  model: "Antminer S19",
  status: "ok",
  error: null,
  cycle: 7,
  hashrateThs: "95.1",
  expectedThs: "95",
  maxChipTempC: 110,
  maxBoardTempC: 90,
  temperature: "stop",
  powerW: 3250,
  powerSource: "reported",
  fansRpm: [6000],
  uptimeS: 100,
  margin: {
    cycle: 7,
    hashing: true,
    revenueUsdPerDay: 6,
    costUsdPerDay: 4,
    marginUsdPerDay: 2,
    ifRunningMarginUsdPerDay: null,
  },
  lastDecision: {
    seq: 40,
    action: "STOP",
    reason: "OVER_TEMPERATURE",
    detail: "chip 110 °C over 95 °C",
    at: "2026-08-01T00:00:00.000Z",
    notCarriedOut: {
      seq: 41,
      stage: "execution",
      reason: "UNSUPPORTED_BY_FIRMWARE",
      detail: "stock firmware cannot stop",
    },
    receipt: null,
  },
  failedPolls: 0,
  stoppedByController: false,
  stoppedFor: null,
  latch: null,
};

describe("the fleet table and charts", () => {
  it("suppressed_stop_reads_not_carried_out: the row says so and marks the hot miner", async () => {
    const html = await renderComponent("pages/fleet/fleet-miner-table.tsx", "FleetMinerTable", {
      miners: [hotMiner],
      margins: new Map([["m003", { marginUsdPerDay: 0, ifRunningUsdPerDay: 3.28 }]]),
      selected: null,
      onSelect: () => {},
      onCommand: () => {},
      busy: null,
    });
    // The code may break after its underscores (<wbr>): it reads as one.
    expect(html.replaceAll("<wbr/>", "")).toContain("STOP not carried out: UNSUPPORTED_BY_FIRMWARE");
    expect(html).not.toContain(">OVER_TEMPERATURE<");
    expect(html).toMatch(/badge-bad[^>]*>110 .*over the stop temperature/);
    expect(html).toContain("$0.00");
    expect(html).toContain("$3.28 if running");
  });

  it("chart_of_a_miner_whose_every_poll_failed_says_so: with the latest error, not 'run a cycle'", async () => {
    const failed: HistoryPoint[] = Array.from({ length: 45 }, (_, index) => ({
      cycle: index,
      at: new Date(Date.UTC(2026, 7, 1, 0, index)).toISOString(),
      ok: false,
      hashrateThs: null,
      expectedThs: null,
      maxChipTempC: null,
      powerW: null,
      marginUsdPerDay: null,
      ifRunningMarginUsdPerDay: null,
      action: null,
    }));
    const html = await renderComponent("pages/fleet/miner-charts.tsx", "MinerCharts", {
      minerId: "m009",
      points: failed,
      lastError: "connect ECONNREFUSED 10.0.0.9:4028",
    });
    expect(html).toContain("No data: every poll failed (all 45 charted): connect ECONNREFUSED 10.0.0.9:4028");
    expect(html).not.toContain("run a cycle");
  });
});

describe("why a stopped miner is stopped", () => {
  /** A miner the controller holds stopped: it hashes nothing now. */
  const stopped = (id: string, latch: FleetMiner["latch"], reason: string): FleetMiner => ({
    ...hotMiner,
    id,
    hashrateThs: "0",
    maxChipTempC: 60,
    temperature: "ok",
    margin: null,
    lastDecision: null,
    stoppedByController: true,
    stoppedFor: { reason, decisionId: `op:7:${id}` },
    latch,
  });
  const table = (miners: FleetMiner[]) =>
    renderComponent("pages/fleet/fleet-miner-table.tsx", "FleetMinerTable", {
      miners,
      margins: new Map(),
      selected: null,
      onSelect: () => {},
      onCommand: () => {},
      busy: null,
    });
  /** The text of each row's status cell (the third cell), by miner. */
  const statusCells = (html: string) =>
    new Map(
      [...html.matchAll(/<tr[^>]*><th scope="row">.*?>([\w-]+)<\/button><\/th><td>.*?<\/td><td[^>]*>(.*?)<\/td>/g)].map(
        ([, id, cell]) => [id, (cell ?? "").replace(/<[^>]+>/g, "").trim()],
      ),
    );

  it("a latched miner's row says so and how to clear it; an operator's stop says who stopped it", async () => {
    const html = await table([
      stopped("m001", "THERMAL_LATCH", "OVER_TEMPERATURE"),
      stopped("m002", "STOPPED_BY_OPERATOR", "MANUAL_COMMAND"),
      stopped("m003", null, "UNPROFITABLE"),
      { ...hotMiner, id: "m004", lastDecision: null },
    ]);
    const cells = statusCells(html);
    expect(cells.get("m001")).toBe("ok latched: over-temperature stop — start to clear");
    expect(cells.get("m002")).toBe("ok stopped by operator");
    expect(cells.get("m003")).toBe("ok stopped");
    expect(cells.get("m004")).toBe("ok");
    expect(html).toContain('title="decision op:7:m001"');
  });

  it("a miner the operator stopped from the dashboard reads 'stopped by operator' on the next refresh (the real API)", async () => {
    // sim-006 is an Avalon, whose firmware can stop hashing (a soft-off).
    const test = await startTestFleet({ SIMULATED_MINERS: "8" });
    const realFetch = globalThis.fetch;
    vi.stubGlobal("fetch", (url: string, init: RequestInit) =>
      realFetch(`${test.service.url}${url.replace(/^\/svc\/fleet/, "")}`, init),
    );
    try {
      const operator = { id: OPERATOR, secret: SECRET };
      await fleet.runCycle(operator);
      const answer = await fleet.command(operator, "sim-006", "stop");
      expect(answer.outcome).toMatchObject({ kind: "receipt", body: { status: "ok" } });
      await fleet.runCycle(operator);
      const view = await fleet.miners(operator);
      const miner = view.miners.find((m) => m.id === "sim-006");
      expect(miner).toMatchObject({
        stoppedByController: true,
        stoppedFor: { reason: "MANUAL_COMMAND", decisionId: answer.decisionId },
        latch: "STOPPED_BY_OPERATOR",
        lastDecision: { action: "HOLD", reason: "STOPPED_BY_OPERATOR" },
      });
      const cells = statusCells(await table(view.miners));
      expect(cells.get("sim-006")).toBe("ok stopped by operator");
      expect(cells.get("sim-001")).toBe("ok");
    } finally {
      vi.unstubAllGlobals();
      await test.close();
    }
  }, 60_000);
});

describe("a manual command from the dashboard", () => {
  let test: TestFleet;
  beforeAll(async () => {
    test = await startTestFleet({ SIMULATED_MINERS: "2" });
    await test.cycle();
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllGlobals();
    await test?.close();
  });

  it("command_retry_reuses_its_idempotency_key: an answer lost on the way is retried and not carried out twice", async () => {
    const realFetch = globalThis.fetch;
    let posts = 0;
    // The proxy's path goes to the controller itself; the first answer is lost after the work is done.
    vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
      const response = await realFetch(`${test.service.url}${url.replace(/^\/svc\/fleet/, "")}`, init);
      if (init.method === "POST" && posts++ === 0) throw new TypeError("fetch failed: connection reset");
      return response;
    });
    const answer = await fleet.command({ id: OPERATOR, secret: SECRET }, "sim-001", "stop");
    vi.unstubAllGlobals();
    expect(posts).toBe(2);
    expect(answer).toMatchObject({ replayed: true });
    const decisions = await test.call<{ records: unknown[] }>(
      "GET",
      `/operators/${OPERATOR}/ledger/decisions?minerId=sim-001&action=STOP`,
    );
    expect(decisions.records).toHaveLength(1);
  });
});
