// The Fleet page's banner of what is wrong fleet-wide, read from every row of /miners: actions the
// controller could not carry out and commands the miners refused are named with their miners, a
// suppression a person chose (MANUAL mode, a dry run) is not a warning, and a fleet larger than
// one /miners answer says what the banner covers. A controller that says its own conditions
// (/miners `conditions`) is shown in its words instead; an older one that does not is read as above.

import { describe, expect, it } from "vitest";
import type { FleetMiner } from "../app/api/fleet.ts";
import { excludedMinersNote } from "../app/pages/fleet/fleet-health.ts";
import { fleetWarnings } from "../app/pages/fleet/fleet-warnings.ts";
import { minerRow, ROW_CYCLE } from "./support/fleet-rows.ts";

const CYCLE = ROW_CYCLE;

/** A row whose latest decision (made in the latest cycle unless `seq` says otherwise) is `decision`. */
function miner(id: string, decision: Partial<NonNullable<FleetMiner["lastDecision"]>> | null): FleetMiner {
  const held = minerRow(id).lastDecision as NonNullable<FleetMiner["lastDecision"]>;
  return minerRow(id, { lastDecision: decision === null ? null : { ...held, ...decision } });
}

const lastCycle = { cycleSeq: CYCLE, now: "2026-11-23T00:00:00.000Z", polled: { ok: 6, failed: 0 }, fromLedger: false };
const suppressed = (reason: string) => ({ seq: CYCLE + 6, stage: "execution", reason, detail: "" });

describe("the fleet-wide warnings", () => {
  it("names the miners whose action was not carried out or failed, leaving out suppressions a person chose", () => {
    const miners = [
      miner("m1", { action: "STOP", reason: "OVER_TEMPERATURE", notCarriedOut: suppressed("UNSUPPORTED_BY_FIRMWARE") }),
      miner("m2", { action: "STOP", reason: "OVER_TEMPERATURE", notCarriedOut: suppressed("UNSUPPORTED_BY_FIRMWARE") }),
      miner("m3", { action: "STOP", reason: "UNPROFITABLE", notCarriedOut: suppressed("MANUAL_MODE") }),
      miner("m4", {
        action: "RESTART",
        reason: "LOW_HASHRATE",
        receipt: { seq: 1, status: "failed", effect: null, error: "E/45" },
      }),
      // An older cycle's: the latest cycle made no decision on it (its row says why).
      miner("m5", { seq: CYCLE - 10, action: "STOP", reason: "UNPROFITABLE", notCarriedOut: suppressed("COMMS") }),
      miner("m6", null),
    ];
    expect(fleetWarnings({ lastCycle, count: 6, miners }).map((warning) => warning.text)).toEqual([
      "STOP (OVER_TEMPERATURE) not carried out (UNSUPPORTED_BY_FIRMWARE) for 2 of 6 miners: m1, m2.",
      "RESTART failed for 1 of 6 miners: m4.",
    ]);
    expect(fleetWarnings({ lastCycle, count: 1, miners: [miner("m6", null)] })).toEqual([]);
  });

  it("says when the fleet is larger than the miners read", () => {
    const warnings = fleetWarnings({ lastCycle, count: 25_000, miners: [miner("m1", null)] });
    expect(warnings.map((warning) => warning.text)).toEqual([
      "Only the first 1 of 25,000 miners were read: what is said of single miners covers those.",
    ]);
  });

  it("says what each miner left out of the money still counts in", () => {
    expect(
      excludedMinersNote({
        excludedMiners: [
          { minerId: "m1", reason: "POLL_FAILED", inHashrate: false, inPower: false },
          { minerId: "m2", reason: "MARGIN_UNKNOWN", inHashrate: true, inPower: false },
        ],
      }),
    ).toBe(
      "Revenue, energy and margin leave out 2 miners: m1 (POLL_FAILED; not in hashrate or power), m2 (MARGIN_UNKNOWN; still in hashrate, not in power).",
    );
    expect(excludedMinersNote({ excludedMiners: [] })).toBeNull();
  });

  it("shows the controller's conditions when it sends them, and works them out from the rows when it does not", () => {
    const refused = [
      miner("m4", {
        action: "RESTART",
        reason: "LOW_HASHRATE",
        receipt: { seq: 1, status: "failed", effect: null, error: "E/45" },
      }),
    ];
    const conditions = [
      {
        code: "price-source",
        severity: "warn" as const,
        since: "2026-11-23T00:01:00.000Z",
        cycles: 3,
        count: 1,
        of: null,
        text: "the price source is failing: coingecko: HTTP 503",
        examples: [],
      },
      {
        code: "polls-failed",
        severity: "warn" as const,
        since: "2026-11-23T00:02:00.000Z",
        cycles: 1,
        count: 7,
        of: 20,
        text: "7 of 20 miners: polls failed: failed polls by why: connect-refused 7",
        examples: ["m1", "m2", "m3", "m5", "m6"],
      },
    ];
    const texts = (view: Parameters<typeof fleetWarnings>[0]) => fleetWarnings(view).map((warning) => warning.text);
    expect(texts({ lastCycle, count: 20, miners: refused, conditions })).toEqual([
      "the price source is failing: coingecko: HTTP 503, for 3 cycles since 2026-11-23 00:01:00 UTC.",
      "7 of 20 miners: polls failed: failed polls by why: connect-refused 7 (e.g. m1, m2, m3, m5, m6).",
    ]);
    // The controller says nothing is wrong: the rows are not second-guessed.
    expect(texts({ lastCycle, count: 20, miners: refused, conditions: [] })).toEqual([]);
    // An older controller without the field: the page's own reading of the rows.
    expect(texts({ lastCycle, count: 1, miners: refused })).toEqual(["RESTART failed for 1 of 1 miners: m4."]);
    // Read back after a restart: what the controller cannot know is said beside them.
    const note = "Read back from the records of cycle #9, which ran before the controller started: …";
    expect(texts({ lastCycle, count: 1, miners: refused, conditions: [], conditionsNote: note })).toEqual([note]);
  });
});
