// The Fleet page's timeline against a real controller: action decisions (a manual RESTART among
// them) stay on it however many HOLD decisions follow, paging back never leaves a gap, and cycles
// that held every miner are said to have done so instead of "nothing yet".

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DecisionBody, FleetRecord, NegativeProofBody } from "../app/api/fleet.ts";
import {
  emptyTimeline,
  extendTimeline,
  hasOlder,
  refreshTimeline,
  type TimelineSources,
  timelineEntries,
  timelineFloor,
} from "../app/pages/fleet/timeline-pager.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";

let fleet: TestFleet;
let sources: TimelineSources;

beforeAll(async () => {
  // No energy cost: every simulated miner is profitable, so every automatic decision is a HOLD.
  fleet = await startTestFleet({ SIMULATED_MINERS: "36", ENERGY_COST_PER_KWH: "0" });
  // The dashboard's page size is 500; 100 here makes the same paths cross page boundaries sooner.
  sources = {
    decisions: fleet.pages<DecisionBody>("decisions", 100),
    proofs: fleet.pages<NegativeProofBody>("negative-proofs", 100),
  };
}, 60_000);

afterAll(async () => {
  await fleet?.close();
});

const restart = (minerId: string) =>
  fleet.call(`POST`, `/operators/${OPERATOR}/miners/${minerId}/restart`, { reason: "from the dashboard" });

/** Every record of a type, newest first, read to the end. */
async function everything<Body>(list: string): Promise<FleetRecord<Body>[]> {
  const all: FleetRecord<Body>[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await fleet.pages<Body>(list, 500)(before);
    all.push(...page.records);
    if (page.nextBefore === null) return all;
    before = page.nextBefore;
  }
}

describe("the fleet timeline", () => {
  it("says the cycles held every miner, with how many, instead of 'nothing yet'", async () => {
    for (let cycle = 0; cycle < 3; cycle++) await fleet.cycle();
    const state = await extendTimeline(emptyTimeline(false), sources, 30);
    expect(timelineEntries(state)).toEqual([]);
    expect(state.held.count).toBe(3 * 36);
    expect(state.held.cycles.size).toBe(3);
    expect(hasOlder(state)).toBe(false);
    // With HOLDs shown, they are the timeline.
    const shown = await extendTimeline(emptyTimeline(true), sources, 30);
    expect(timelineEntries(shown).length).toBeGreaterThanOrEqual(30);
    expect(
      timelineEntries(shown).every((entry) => entry.kind === "decision" && entry.record.body.action === "HOLD"),
    ).toBe(true);
  });

  it("keeps a manual RESTART on it after 8 cycles of 36 HOLDs, and after a refresh that adds more", async () => {
    await restart("sim-005");
    for (let cycle = 0; cycle < 8; cycle++) await fleet.cycle();
    const state = await extendTimeline(emptyTimeline(false), sources, 30);
    const actions = timelineEntries(state).filter((entry) => entry.kind === "decision");
    expect(actions.map((entry) => [entry.record.body.action, entry.record.body.minerId])).toEqual([
      ["RESTART", "sim-005"],
    ]);
    expect(actions[0]?.kind === "decision" && actions[0].record.body.origin).toBe("manual");

    await fleet.cycle();
    const refreshed = await refreshTimeline(state, sources, 30);
    expect(timelineEntries(refreshed).map((entry) => entry.record.seq)).toEqual(
      timelineEntries(state).map((entry) => entry.record.seq),
    );
    expect(refreshed.held.count).toBe(state.held.count + 36);
  });

  it("pages back with `before` without a gap: what it shows is every action and negative proof above its floor", async () => {
    // Actions spread over many cycles, and negative proofs: the second restart of a miner in a row is
    // held back by the controller's guards and recorded as one.
    for (let round = 0; round < 12; round++) {
      await restart(`sim-0${String(10 + (round % 20)).padStart(2, "0")}`);
      await restart(`sim-0${String(10 + (round % 20)).padStart(2, "0")}`);
      await fleet.cycle();
    }
    const decisions = (await everything<DecisionBody>("decisions")).filter((record) => record.body.action !== "HOLD");
    const proofs = await everything<NegativeProofBody>("negative-proofs");
    const expected = [...decisions, ...proofs].map((record) => record.seq).sort((a, b) => b - a);
    expect(expected.length).toBeGreaterThan(20);
    expect(proofs.length).toBeGreaterThan(0);

    let state = await extendTimeline(emptyTimeline(false), sources, 10);
    let shown = timelineEntries(state).map((entry) => entry.record.seq);
    expect(shown.length).toBeGreaterThanOrEqual(10);
    expect(shown).toEqual(expected.filter((seq) => seq >= timelineFloor(state)));

    state = await extendTimeline(state, sources, 20);
    shown = timelineEntries(state).map((entry) => entry.record.seq);
    expect(shown.length).toBeGreaterThanOrEqual(20);
    expect(shown).toEqual(expected.filter((seq) => seq >= timelineFloor(state)));

    state = await extendTimeline(state, sources, 1000);
    expect(hasOlder(state)).toBe(false);
    expect(timelineEntries(state).map((entry) => entry.record.seq)).toEqual(expected);
  });
});
