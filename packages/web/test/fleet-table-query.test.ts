// The fleet table's search, quick filters and sort as pure functions of the /miners rows: what a
// person at a thousand miners relies on to find sim-0999, every failed or hot or latched or
// unprofitable miner, and the rows in numeric order with unknown figures last; and the address
// that keeps all three across a reload or a shared link.

import { describe, expect, it } from "vitest";
import type { FleetMiner } from "../app/api/fleet.ts";
import type { MinerMargin } from "../app/pages/fleet/latest-margins.ts";
import {
  filterMiners,
  matchesQuickFilter,
  quickFilterCounts,
  type RowContext,
} from "../app/pages/fleet/miner-filters.ts";
import { nextSort, sortMiners } from "../app/pages/fleet/miner-sort.ts";
import { gateHold, latestCycleOf } from "../app/pages/fleet/miner-state.ts";
import { readTableQuery, writeTableQuery } from "../app/pages/fleet/table-query.ts";
import { failedRow, minerRow, ROW_CYCLE } from "./support/fleet-rows.ts";

const CYCLE = ROW_CYCLE;
const miner = minerRow;
const failed = failedRow("sim-0003", "s17-pro");
/** Answered, but its last decision is from an older cycle: the evidence gate held it. */
const gated = miner("sim-0004", {
  hashrateThs: "560",
  lastDecision: { ...(miner("x").lastDecision as NonNullable<FleetMiner["lastDecision"]>), seq: CYCLE - 50 },
});
const hot = miner("sim-0005", { maxChipTempC: 92, temperature: "warn" });
const latched = miner("sim-0006", {
  hashrateThs: "0",
  stoppedByController: true,
  latch: "THERMAL_LATCH",
  stoppedFor: { reason: "OVER_TEMPERATURE", decisionId: "d-6" },
});
const losing = miner("sim-0007", { model: "Antminer S9", hashrateThs: "13.5", expectedThs: "13.5" });
const stoppedLosing = miner("sim-0008", { hashrateThs: "0", stoppedByController: true });
const refused = miner("sim-0009", {
  lastDecision: {
    ...(miner("x").lastDecision as NonNullable<FleetMiner["lastDecision"]>),
    action: "RESTART",
    receipt: { seq: CYCLE + 20, status: "failed", effect: null, error: "E/45 access denied" },
  },
});
const fine = miner("sim-0999", { host: "10.0.3.231", port: 4029, model: "WhatsMiner M30S", hashrateThs: "100.2" });
const fleet = [fine, failed, gated, hot, latched, losing, stoppedLosing, refused];

const margins = new Map<string, MinerMargin>([
  [fine.id, { marginUsdPerDay: 2.5, ifRunningUsdPerDay: null }],
  [hot.id, { marginUsdPerDay: 1.1, ifRunningUsdPerDay: null }],
  [losing.id, { marginUsdPerDay: -0.92, ifRunningUsdPerDay: null }],
  [stoppedLosing.id, { marginUsdPerDay: 0, ifRunningUsdPerDay: -1.19 }],
  [latched.id, { marginUsdPerDay: 0, ifRunningUsdPerDay: 0.4 }],
]);
const context: RowContext = { margins, latestCycle: latestCycleOf(fleet) };
const ids = (miners: FleetMiner[]) => miners.map((entry) => entry.id);

describe("searching the fleet", () => {
  it("finds a miner by id, by address and by model, reported or only configured, in any case", () => {
    expect(ids(filterMiners(fleet, "sim-0999", "all", context))).toEqual(["sim-0999"]);
    expect(ids(filterMiners(fleet, "10.0.3.231", "all", context))).toEqual(["sim-0999"]);
    expect(ids(filterMiners(fleet, ":4029", "all", context))).toEqual(["sim-0999"]);
    expect(ids(filterMiners(fleet, "m30s", "all", context))).toEqual(["sim-0999"]);
    // sim-0003 never answered: its model is the configured id, found by the name shown for it.
    expect(ids(filterMiners(fleet, "S17 Pro", "all", context))).toEqual(["sim-0003"]);
    expect(ids(filterMiners(fleet, "s17-pro", "all", context))).toEqual(["sim-0003"]);
    // Every word must match, in any order.
    expect(ids(filterMiners(fleet, "  antminer   s9 ", "all", context))).toEqual(["sim-0007"]);
    expect(filterMiners(fleet, "   ", "all", context)).toHaveLength(fleet.length);
    expect(filterMiners(fleet, "sim-1234", "all", context)).toEqual([]);
  });
});

describe("the quick filters", () => {
  it("problems: a failed poll, a miner held at the evidence gate, a command the miner refused", () => {
    expect(ids(filterMiners(fleet, "", "problems", context))).toEqual(["sim-0003", "sim-0004", "sim-0009"]);
  });

  it("held at the gate: read from the rows, or from the controller's own `gate` field when it sends one", () => {
    expect(gateHold(gated, CYCLE)).toEqual({ reason: null, detail: null });
    expect(gateHold(fine, CYCLE)).toBeNull();
    // Not polled in the latest cycle (a miner added since): not held in it.
    expect(gateHold({ ...gated, cycle: CYCLE - 60 }, CYCLE)).toBeNull();
    const reported = {
      ...fine,
      gate: { cycle: CYCLE, seq: CYCLE + 3, reason: "IMPOSSIBLE_HASHRATE", detail: "560 TH/s" },
    };
    expect(gateHold(reported, CYCLE)).toEqual({ reason: "IMPOSSIBLE_HASHRATE", detail: "560 TH/s" });
    expect(gateHold({ ...gated, gate: null }, CYCLE)).toBeNull();
  });

  it("hot: the rows with a temperature badge (warning or stop)", () => {
    const overStop = miner("sim-0010", { maxChipTempC: 101, temperature: "stop" });
    expect(ids(filterMiners([...fleet, overStop], "", "hot", context))).toEqual(["sim-0005", "sim-0010"]);
  });

  it("latched / stopped: held stopped by the controller, or latched even if started by hand since", () => {
    const startedByHand = { ...latched, id: "sim-0011", hashrateThs: "95" };
    expect(ids(filterMiners([...fleet, startedByHand], "", "stopped", context))).toEqual([
      "sim-0006",
      "sim-0008",
      "sim-0011",
    ]);
  });

  it("unprofitable: a margin below $0, or not hashing with a loss if it ran; none known is not a loss", () => {
    expect(ids(filterMiners(fleet, "", "unprofitable", context))).toEqual(["sim-0007", "sim-0008"]);
    // The row's own margin counts when the page has not read the profit records (yet).
    const fromRow = miner("sim-0012", {
      margin: {
        cycle: CYCLE,
        hashing: true,
        revenueUsdPerDay: 1,
        costUsdPerDay: 2,
        marginUsdPerDay: -1,
        ifRunningMarginUsdPerDay: null,
      },
    });
    expect(matchesQuickFilter(fromRow, "unprofitable", context)).toBe(true);
  });

  it("counts each filter within the search, and 'all' is every match", () => {
    expect(quickFilterCounts(fleet, "", context)).toEqual({
      all: 8,
      problems: 3,
      hot: 1,
      stopped: 2,
      unprofitable: 2,
    });
    expect(quickFilterCounts(fleet, "antminer s9", context)).toEqual({
      all: 1,
      problems: 0,
      hot: 0,
      stopped: 0,
      unprofitable: 1,
    });
  });
});

describe("sorting the fleet", () => {
  it("sorts numbers as numbers and puts a miner without the figure last, in either direction", () => {
    const up = sortMiners(fleet, { key: "hashrate", direction: "ascending" }, context);
    expect(ids(up)).toEqual([
      "sim-0006",
      "sim-0008",
      "sim-0007",
      "sim-0005",
      "sim-0009",
      "sim-0999",
      "sim-0004",
      "sim-0003",
    ]);
    const down = sortMiners(fleet, { key: "hashrate", direction: "descending" }, context);
    expect(ids(down).slice(0, 2)).toEqual(["sim-0004", "sim-0999"]);
    expect(ids(down).at(-1)).toBe("sim-0003");
  });

  it("sorts by the margin shown, unknown last; by the slowest fan; by status worst first", () => {
    const byMargin = ids(sortMiners(fleet, { key: "margin", direction: "ascending" }, context));
    expect(byMargin.slice(0, 4)).toEqual(["sim-0007", "sim-0006", "sim-0008", "sim-0005"]);
    expect(byMargin.slice(-3)).toEqual(["sim-0003", "sim-0004", "sim-0009"]);
    const slowFan = miner("sim-0013", { fansRpm: [4800, 1200, 4900] });
    expect(ids(sortMiners([fine, slowFan, failed], { key: "fans", direction: "ascending" }, context))).toEqual([
      "sim-0013",
      "sim-0999",
      "sim-0003",
    ]);
    const byStatus = ids(sortMiners(fleet, { key: "status", direction: "ascending" }, context));
    expect(byStatus.slice(0, 4)).toEqual(["sim-0003", "sim-0004", "sim-0006", "sim-0008"]);
  });

  it("orders ids and models naturally (sim-2 before sim-10), ties by id, and keeps the controller's order unsorted", () => {
    const numbered = ["sim-10", "sim-2", "sim-1"].map((id) => miner(id));
    expect(ids(sortMiners(numbered, { key: "miner", direction: "ascending" }, context))).toEqual([
      "sim-1",
      "sim-2",
      "sim-10",
    ]);
    // Equal models: by id, whichever way the column goes, so a refresh does not shuffle them.
    const sameModel = ["sim-3", "sim-1", "sim-2"].map((id) => miner(id));
    expect(ids(sortMiners(sameModel, { key: "model", direction: "descending" }, context))).toEqual([
      "sim-1",
      "sim-2",
      "sim-3",
    ]);
    expect(ids(sortMiners(numbered, null, context))).toEqual(["sim-10", "sim-2", "sim-1"]);
  });

  it("a click on a header sorts by it ascending, a second click turns it round, another column starts ascending", () => {
    const first = nextSort(null, "power");
    expect(first).toEqual({ key: "power", direction: "ascending" });
    expect(nextSort(first, "power")).toEqual({ key: "power", direction: "descending" });
    expect(nextSort(nextSort(first, "power"), "chip")).toEqual({ key: "chip", direction: "ascending" });
  });
});

describe("the table's state in the address", () => {
  it("round-trips search, filter and sort, and keeps the operator", () => {
    const params = writeTableQuery(new URLSearchParams("operator=op-2"), {
      search: " sim-0999 ",
      filter: "hot",
      sort: { key: "hashrate", direction: "descending" },
    });
    expect(params.toString()).toBe("operator=op-2&search=sim-0999&show=hot&sort=-hashrate");
    expect(readTableQuery(params)).toEqual({
      search: "sim-0999",
      filter: "hot",
      sort: { key: "hashrate", direction: "descending" },
    });
  });

  it("leaves defaults out, and reads an unknown filter or column as the default instead of failing", () => {
    const cleared = writeTableQuery(new URLSearchParams("operator=a&search=x&show=hot&sort=power"), {
      search: "",
      filter: "all",
      sort: null,
    });
    expect(cleared.toString()).toBe("operator=a");
    expect(readTableQuery(new URLSearchParams("show=broken&sort=-nope"))).toEqual({
      search: "",
      filter: "all",
      sort: null,
    });
    expect(readTableQuery(new URLSearchParams("sort=power")).sort).toEqual({ key: "power", direction: "ascending" });
  });
});
