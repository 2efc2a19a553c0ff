// The Fleet page's timeline against a real controller: action decisions (a manual RESTART among
// them) stay on it however many HOLD decisions follow (the fleet is asked for the actions only, so
// the HOLDs are never read), paging back never leaves a gap, and cycles that held every miner are
// said to have done so instead of "nothing yet".

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CycleBody, DecisionBody, FleetRecord, NegativeProofBody } from "../app/api/fleet.ts";
import {
  emptyTimeline,
  extendTimeline,
  hasOlder,
  PAGE_BUDGET,
  refreshTimeline,
  type TimelineSources,
  timelineEntries,
  timelineFloor,
} from "../app/pages/fleet/timeline-pager.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";
import { renderComponent } from "./support/render.ts";

let fleet: TestFleet;
/** As the dashboard asks with HOLDs hidden: the actions only. */
let sources: TimelineSources;
/** With HOLDs shown: every decision. */
let withHolds: TimelineSources;
const PAGE = 100;

beforeAll(async () => {
  // No energy cost: every simulated miner is profitable, so every automatic decision is a HOLD.
  fleet = await startTestFleet({ SIMULATED_MINERS: "36", ENERGY_COST_PER_KWH: "0" });
  // The dashboard's page size is 500; 100 here makes the same paths cross page boundaries sooner.
  const proofs = fleet.pages<NegativeProofBody>("negative-proofs", PAGE);
  const cycles = fleet.pages<CycleBody>("cycles", 50);
  sources = { decisions: fleet.pages<DecisionBody>("decisions", PAGE, "action=RUN,STOP,RESTART"), proofs, cycles };
  withHolds = { decisions: fleet.pages<DecisionBody>("decisions", PAGE), proofs, cycles };
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
    expect(state.quiet).toMatchObject({ cycles: 3, more: false });
    expect(hasOlder(state)).toBe(false);
    // A refresh after one more cycle counts it too.
    await fleet.cycle();
    expect((await refreshTimeline(state, sources, 30)).quiet).toMatchObject({ cycles: 4, more: false });
    // With HOLDs shown, they are the timeline.
    const shown = await extendTimeline(emptyTimeline(true), withHolds, 30);
    expect(timelineEntries(shown).length).toBeGreaterThanOrEqual(30);
    expect(
      timelineEntries(shown).every((entry) => entry.kind === "decision" && entry.record.body.action === "HOLD"),
    ).toBe(true);
  });

  it("shows a manual RESTART behind more HOLDs than one step's pages hold, in one request, and keeps it on a refresh", async () => {
    await restart("sim-005");
    // More HOLDs after it than PAGE_BUDGET pages of PAGE decisions: paging through them would not reach it.
    const cycles = Math.ceil((PAGE_BUDGET * PAGE) / 36) + 1;
    for (let cycle = 0; cycle < cycles; cycle++) await fleet.cycle();
    const before = fleet.requests.get("decisions") ?? 0;
    const state = await extendTimeline(emptyTimeline(false), sources, 30);
    const actions = timelineEntries(state).filter((entry) => entry.kind === "decision");
    expect(actions.map((entry) => [entry.record.body.action, entry.record.body.minerId])).toEqual([
      ["RESTART", "sim-005"],
    ]);
    expect(actions[0]?.kind === "decision" && actions[0].record.body.origin).toBe("manual");
    expect((fleet.requests.get("decisions") ?? 0) - before).toBe(1);
    expect(state.quiet).toBeNull();

    await fleet.cycle();
    const refreshed = await refreshTimeline(state, sources, 30);
    expect(timelineEntries(refreshed).map((entry) => entry.record.seq)).toEqual(
      timelineEntries(state).map((entry) => entry.record.seq),
    );
    // A refresh asks for what is newer than what it had: one request, and nothing new to show.
    expect((fleet.requests.get("decisions") ?? 0) - before).toBe(2);
    await restart("sim-006");
    const again = await refreshTimeline(refreshed, sources, 30);
    expect(
      timelineEntries(again)
        .filter((entry) => entry.kind === "decision")
        .map((entry) => entry.record.body.minerId),
    ).toEqual(["sim-006", "sim-005"]);
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

// Before: "cycle 1", then "cycle 122", later "cycle 20255": a decision's `cycle` is the seq of its
// cycle's fleet.cycle record, and it read as a count of cycles.
describe("the timeline's cycle label", () => {
  it("names the cycle by its record, not as a cycle count", async () => {
    await fleet.cycle();
    const state = await extendTimeline(emptyTimeline(true), withHolds, 30);
    const entries = timelineEntries(state).slice(0, 5);
    const cycleSeqs = [...new Set(entries.map((entry) => entry.record.body.cycle))].filter((seq) => seq !== null);
    expect(cycleSeqs.length).toBeGreaterThan(0);
    const text = await renderComponent("pages/fleet/timeline.tsx", "Timeline", {
      entries,
      quiet: null,
      onShowHold: () => {},
    });
    for (const seq of cycleSeqs) {
      expect(seq).toBeGreaterThan(1);
      expect(text).toContain(`cycle at record #${seq}`);
      expect(text).not.toMatch(new RegExp(`cycle ${seq}\\b`));
    }
  });
});
