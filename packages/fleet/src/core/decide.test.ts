import { describe, expect, it } from "vitest";
import { decisionsOf, divergencesOf, energy, Harness, proofsOf, start, telemetry } from "../../test/builders.ts";
import { executionVerdict } from "./decide.ts";
import { recordTypes } from "./records.ts";

const cgminer = (overrides = {}) => telemetry({ family: "cgminer", ...overrides });
const minute = 60_000;

describe("decision rules (pure core)", () => {
  it("HOLDs a profitable hashing miner, citing its telemetry and its profit", () => {
    const h = new Harness();
    const out = h.cycle({ a: telemetry() });
    expect(decisionsOf(out)).toEqual([
      expect.objectContaining({ minerId: "a", action: "HOLD", reason: "RUNNING_PROFITABLY" }),
    ]);
    const decision = out.decisions.find((p) => p.type === recordTypes.decision);
    expect(decision?.cites).toEqual([
      { type: recordTypes.telemetry, key: "a" },
      { type: recordTypes.profit, key: "a" },
    ]);
    const profit = out.evidence.find((p) => p.type === recordTypes.profit)?.body as {
      basis: string;
      marginMicroUsdPerDay: number;
    };
    expect(profit.basis).toBe("measured");
    expect(profit.marginMicroUsdPerDay).toBeGreaterThan(0);
    expect(out.dispatch).toEqual([]);
  });

  it("STOPs a hashing miner whose margin is below break-even minus the band", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear } });
    const out = h.cycle({ a: cgminer() });
    expect(decisionsOf(out)).toEqual([expect.objectContaining({ action: "STOP", reason: "UNPROFITABLE" })]);
    expect(out.dispatch).toEqual([
      expect.objectContaining({ minerId: "a", action: "STOP", family: "cgminer", devices: 3 }),
    ]);
    // A loss reads the way an operator writes it: "-$1.23/day", not "$-1.23/day".
    const detail = decisionsOf(out)[0]?.detail ?? "";
    expect(detail).toMatch(/expected margin -\$\d+\.\d\d\/day/);
    expect(detail).not.toContain("$-");
  });

  it("does not flap around break-even: margins inside the band change nothing (hysteresis)", () => {
    const h = new Harness();
    for (const price of [energy.justBelow, energy.justAbove, energy.justBelow, energy.justAbove]) {
      h.setEnergy(price);
      const out = h.cycle({ a: cgminer() });
      expect(decisionsOf(out)[0]).toMatchObject({ action: "HOLD", reason: "WITHIN_HYSTERESIS" });
      h.advance(minute);
    }
    expect(h.dispatched).toEqual([]);
  });

  it("keeps a stopped miner stopped inside the band and starts it only above break-even plus the band", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear }, policy: { cooldownMs: 0 } });
    h.cycle({ a: cgminer() });
    expect(h.dispatched).toEqual([{ minerId: "a", action: "STOP" }]);
    const stopped = cgminer({ hashrateThs: "0", powerW: 150, boards: [] });
    h.setEnergy(energy.justAbove);
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: stopped }))[0]).toMatchObject({ action: "HOLD", reason: "STOPPED_UNPROFITABLE" });
    h.setEnergy(energy.cheap);
    h.advance(minute);
    const out = h.cycle({ a: stopped });
    expect(decisionsOf(out)[0]).toMatchObject({ action: "RUN", reason: "PROFITABLE_AGAIN" });
    // The profit of a stopped miner is what it would make at nameplate.
    expect(out.evidence.find((p) => p.type === recordTypes.profit)?.body).toMatchObject({
      basis: "nameplate",
      hashrateThs: "95",
    });
    expect(h.dispatched.map((d) => d.action)).toEqual(["STOP", "RUN"]);
  });

  it("holds a wanted action inside the cooldown, with a negative proof naming what was suppressed", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear }, policy: { cooldownMs: 10 * minute } });
    h.cycle({ a: cgminer() });
    h.setEnergy(energy.cheap);
    h.advance(2 * minute);
    const out = h.cycle({ a: cgminer({ hashrateThs: "0", powerW: 150, boards: [] }) });
    expect(decisionsOf(out)[0]).toMatchObject({ action: "HOLD", reason: "COOLDOWN" });
    expect(proofsOf(out)).toEqual([
      expect.objectContaining({ stage: "policy", suppressed: "RUN", reason: "COOLDOWN" }),
    ]);
    expect(out.suppressions[0]?.cites).toEqual([{ type: recordTypes.decision, key: "a" }]);
    h.advance(10 * minute);
    expect(decisionsOf(h.cycle({ a: cgminer({ hashrateThs: "0", powerW: 150, boards: [] }) }))[0]).toMatchObject({
      action: "RUN",
    });
  });

  it("RESTARTs a miner far below its expected hashrate for N cycles, not sooner", () => {
    const h = new Harness({ policy: { underperformCycles: 3, underperformFraction: 0.5 } });
    const weak = cgminer({ hashrateThs: "30" });
    expect(decisionsOf(h.cycle({ a: weak }))[0]).toMatchObject({ action: "HOLD" });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: weak }))[0]).toMatchObject({ action: "HOLD" });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: weak }))[0]).toMatchObject({ action: "RESTART", reason: "UNDERPERFORMING" });
    // Recovery resets the count.
    h.advance(20 * minute);
    h.cycle({ a: cgminer() });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: weak }))[0]).toMatchObject({ action: "HOLD" });
  });

  it("RESTARTs a miner whose API answers but which hashes nothing for N cycles", () => {
    const h = new Harness({ policy: { underperformCycles: 2 } });
    const stalled = cgminer({ hashrateThs: "0" });
    expect(decisionsOf(h.cycle({ a: stalled }))[0]).toMatchObject({ action: "HOLD", reason: "NOT_HASHING" });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: stalled }))[0]).toMatchObject({ action: "RESTART", reason: "NOT_HASHING" });
  });

  it("does not restart a stalled miner that would not pay at nameplate", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear }, policy: { underperformCycles: 1 } });
    expect(decisionsOf(h.cycle({ a: cgminer({ hashrateThs: "0" }) }))[0]).toMatchObject({
      action: "HOLD",
      reason: "NOT_HASHING_UNPROFITABLE",
    });
  });

  it("caps restarts per hour: the one over the cap is a HOLD with a negative proof", () => {
    const h = new Harness({ policy: { underperformCycles: 1, maxRestartsPerHour: 2, cooldownMs: minute } });
    const weak = cgminer({ hashrateThs: "10" });
    const actions: string[] = [];
    for (let i = 0; i < 4; i++) {
      const out = h.cycle({ a: weak });
      actions.push(`${decisionsOf(out)[0]?.action}:${decisionsOf(out)[0]?.reason}`);
      h.advance(2 * minute);
    }
    expect(actions).toEqual([
      "RESTART:UNDERPERFORMING",
      "RESTART:UNDERPERFORMING",
      "HOLD:RESTART_CAP",
      "HOLD:RESTART_CAP",
    ]);
    expect(proofsOf({ all: h.outcomes[2]?.suppressions ?? [] })).toEqual([
      expect.objectContaining({ suppressed: "RESTART", reason: "RESTART_CAP" }),
    ]);
    h.advance(60 * minute);
    expect(decisionsOf(h.cycle({ a: weak }))[0]).toMatchObject({ action: "RESTART" });
  });

  it("STOPs an over-temperature miner at once, ignoring the cooldown and stale market data", () => {
    const h = new Harness({ policy: { cooldownMs: 60 * minute } });
    h.manual("a", "RUN"); // a person started it a minute ago: the cooldown runs
    h.advance(minute);
    h.priceAt = h.now - 60 * minute; // and the price has gone stale
    const out = h.cycle({ a: cgminer({ maxChipTempC: 101 }) });
    expect(decisionsOf(out)).toEqual([expect.objectContaining({ action: "STOP", reason: "OVER_TEMPERATURE" })]);
    expect(
      divergencesOf(out)
        .map((d) => d.code)
        .sort(),
    ).toEqual(["OVER_TEMPERATURE", "STALE_PRICE"]);
    expect(out.dispatch).toEqual([expect.objectContaining({ action: "STOP" })]);
  });

  it("latches a thermal stop: a miner stopped for OVER_TEMPERATURE is not started again when it cools, until an operator starts it", () => {
    const h = new Harness({ policy: { cooldownMs: minute } });
    const hot = h.cycle({ a: cgminer({ maxChipTempC: 97 }) });
    expect(decisionsOf(hot)[0]).toMatchObject({ action: "STOP", reason: "OVER_TEMPERATURE" });
    expect(h.state.miners.get("a")).toMatchObject({
      stoppedByController: true,
      stoppedFor: { reason: "OVER_TEMPERATURE", decisionId: "op:1:a" },
      latch: "THERMAL_LATCH",
    });
    // It cools (87 °C, then 78 °C) and would be profitable: no RUN, cycle after cycle.
    const stopped = (maxChipTempC: number) => cgminer({ hashrateThs: "0", powerW: 150, boards: [], maxChipTempC });
    for (const temperature of [87, 78, 60]) {
      h.advance(10 * minute);
      const out = h.cycle({ a: stopped(temperature) });
      expect(decisionsOf(out)[0]).toMatchObject({ action: "HOLD", reason: "THERMAL_LATCH" });
      expect(decisionsOf(out)[0]?.detail).toContain("stopped for OVER_TEMPERATURE (decision op:1:a)");
    }
    expect(h.dispatched).toEqual([{ minerId: "a", action: "STOP" }]);
    // An operator's start clears it: the controller governs the miner again.
    h.manual("a", "RUN");
    expect(h.state.miners.get("a")).toMatchObject({ stoppedByController: false, stoppedFor: null, latch: null });
    h.advance(10 * minute);
    expect(decisionsOf(h.cycle({ a: cgminer() }))[0]).toMatchObject({ action: "HOLD", reason: "RUNNING_PROFITABLY" });
  });

  it("a thermal STOP that failed does not latch: the next hot cycle stops the miner again", () => {
    const h = new Harness();
    h.receiptStatus = "failed";
    h.cycle({ a: cgminer({ maxChipTempC: 97 }) });
    expect(h.state.miners.get("a")).toMatchObject({ stoppedByController: false, latch: null });
    h.receiptStatus = "ok";
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: cgminer({ maxChipTempC: 97 }) }))[0]).toMatchObject({ action: "STOP" });
  });

  it("an operator's stop latches: HOLD STOPPED_BY_OPERATOR whatever the margin, until an operator starts it", () => {
    const h = new Harness({ policy: { cooldownMs: 0 } });
    h.cycle({ a: cgminer() });
    h.manual("a", "STOP");
    expect(h.state.miners.get("a")).toMatchObject({
      stoppedByController: true,
      stoppedFor: { reason: "MANUAL_COMMAND" },
      latch: "STOPPED_BY_OPERATOR",
    });
    // A maintenance stop: cheap power (a margin well above the band), inside the band, a warm miner.
    const stopped = (maxChipTempC = 60) => cgminer({ hashrateThs: "0", powerW: 150, boards: [], maxChipTempC });
    for (const [price, temperature] of [
      [energy.cheap, 60],
      [energy.justAbove, 60],
      [energy.cheap, 87],
      [energy.cheap, 60],
    ] as const) {
      h.setEnergy(price);
      h.advance(10 * minute);
      const [decision] = decisionsOf(h.cycle({ a: stopped(temperature) }));
      expect(decision).toMatchObject({ action: "HOLD", reason: "STOPPED_BY_OPERATOR" });
      expect(decision?.detail).toMatch(
        /^stopped by an operator's command \(decision op:manual:\d+\); the controller does not start it again until an operator starts \(or restarts\) it; expected margin \$/,
      );
    }
    expect(h.dispatched).toEqual([]);
    // An operator's start clears it: the controller governs the miner again.
    h.manual("a", "RUN");
    expect(h.state.miners.get("a")).toMatchObject({ stoppedByController: false, stoppedFor: null, latch: null });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: cgminer() }))[0]).toMatchObject({ action: "HOLD", reason: "RUNNING_PROFITABLY" });
  });

  it("a command for a miner whose firmware is not identified yet is suppressed as FIRMWARE_UNKNOWN, saying to run a cycle first", () => {
    const verdict = executionVerdict(
      { mode: "AUTO", dryRun: false },
      { action: "STOP", origin: "manual" },
      { family: "unknown", devices: 0 },
      start,
    );
    expect(verdict).toEqual({
      dispatch: false,
      reason: "FIRMWARE_UNKNOWN",
      detail:
        "the miner's firmware is not identified yet (no successful poll is recorded): STOP not sent; run a cycle first (the loop's next one, or /loop/run-once) and send it again",
    });
  });

  it("HOLDs an over-temperature miner that is not hashing", () => {
    const h = new Harness();
    const out = h.cycle({ a: cgminer({ hashrateThs: "0", maxChipTempC: 99 }) });
    expect(decisionsOf(out)[0]).toMatchObject({ action: "HOLD", reason: "OVER_TEMPERATURE_NOT_HASHING" });
  });

  it("records a temperature warning without blocking, and does not start a warm stopped miner", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear }, policy: { cooldownMs: 0 } });
    const warm = cgminer({ maxChipTempC: 88 });
    const first = h.cycle({ a: warm });
    expect(divergencesOf(first)).toEqual([expect.objectContaining({ code: "TEMPERATURE_WARN", blocking: false })]);
    expect(decisionsOf(first)[0]).toMatchObject({ action: "STOP" });
    h.setEnergy(energy.cheap);
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: cgminer({ hashrateThs: "0", maxChipTempC: 87, boards: [] }) }))[0]).toMatchObject({
      action: "HOLD",
      reason: "TEMPERATURE_WARN",
    });
  });

  it.each([
    ["a negative hashrate", { hashrateThs: "-3" }, "IMPOSSIBLE_HASHRATE"],
    ["a hashrate over 1.5× nameplate", { hashrateThs: "180" }, "IMPOSSIBLE_HASHRATE"],
    ["zero reported power while hashing", { powerW: 0, powerSource: "reported" as const }, "IMPOSSIBLE_POWER"],
    ["a chip temperature of 212 °C", { maxChipTempC: 212 }, "IMPOSSIBLE_TEMPERATURE"],
    ["a board temperature of −40 °C", { maxBoardTempC: -40 }, "IMPOSSIBLE_TEMPERATURE"],
  ])("stops the miner's cycle at the gate on %s: a negative proof and no decision", (_, overrides, code) => {
    const h = new Harness();
    const out = h.cycle({ a: cgminer(overrides) });
    expect(decisionsOf(out)).toEqual([]);
    expect(proofsOf(out)).toEqual([
      expect.objectContaining({ minerId: "a", stage: "gate", suppressed: "decision", reason: code }),
    ]);
    const gate = out.decisions.find((p) => p.type === recordTypes.negativeProof);
    expect(gate?.cites).toContainEqual({ type: recordTypes.divergence, key: `a:${code}` });
    expect(out.dispatch).toEqual([]);
  });

  it("flags counters that go backwards without a reboot, but not after one", () => {
    const h = new Harness();
    h.cycle({ a: cgminer({ uptimeS: 1000, accepted: 500 }) });
    h.advance(minute);
    expect(proofsOf(h.cycle({ a: cgminer({ uptimeS: 1060, accepted: 400 }) }))[0]).toMatchObject({
      reason: "COUNTERS_BACKWARDS",
    });
    h.advance(minute);
    expect(decisionsOf(h.cycle({ a: cgminer({ uptimeS: 30, accepted: 2 }) }))[0]).toMatchObject({ action: "HOLD" });
  });

  it("a failed poll is a HOLD while the last telemetry is fresh, then lost comms after 3 in a row", () => {
    const h = new Harness({ policy: { pollIntervalMs: 30_000, staleTelemetryMs: 60_000, lostCommsPolls: 3 } });
    h.cycle({ a: cgminer() });
    const reasons: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.advance(20_000);
      const out = h.cycle({ a: "connection refused" });
      reasons.push(decisionsOf(out)[0]?.reason ?? proofsOf(out)[0]?.reason ?? "none");
    }
    expect(reasons).toEqual(["POLL_FAILED", "POLL_FAILED", "LOST_COMMS"]);
  });

  it("a miner never heard from is stale telemetry at the gate", () => {
    const h = new Harness();
    const out = h.cycle({ a: "connect timeout" });
    expect(proofsOf(out)).toEqual([expect.objectContaining({ stage: "gate", reason: "STALE_TELEMETRY" })]);
  });

  it("stale price data stops every miner's decision at the gate", () => {
    const h = new Harness({ policy: { stalePriceMs: 10 * minute } });
    h.priceAt = h.now - 11 * minute;
    const out = h.cycle({ a: cgminer(), b: telemetry() });
    expect(decisionsOf(out)).toEqual([]);
    expect(proofsOf(out).map((p) => `${p.minerId}:${p.reason}`)).toEqual(["a:STALE_PRICE", "b:STALE_PRICE"]);
    expect(divergencesOf(out)).toEqual([
      expect.objectContaining({ minerId: null, code: "STALE_PRICE", blocking: true }),
    ]);
    expect(out.evidence.filter((p) => p.type === recordTypes.profit)).toEqual([]);
  });

  it("MANUAL mode: an automatic action yields exactly one negative proof and nothing to dispatch", () => {
    const h = new Harness({ mode: "MANUAL", site: { energyMicroUsdPerKwh: energy.dear } });
    const out = h.cycle({ a: cgminer() });
    expect(decisionsOf(out)).toEqual([expect.objectContaining({ action: "STOP", reason: "UNPROFITABLE" })]);
    expect(proofsOf(out)).toEqual([
      expect.objectContaining({ minerId: "a", stage: "execution", suppressed: "STOP", reason: "MANUAL_MODE" }),
    ]);
    expect(out.dispatch).toEqual([]);
    expect(h.dispatched).toEqual([]);
  });

  it("dry-run records the decision and suppresses the action", () => {
    const h = new Harness({ dryRun: true, site: { energyMicroUsdPerKwh: energy.dear } });
    const out = h.cycle({ a: cgminer() });
    expect(proofsOf(out)).toEqual([expect.objectContaining({ reason: "DRY_RUN", suppressed: "STOP" })]);
    expect(out.dispatch).toEqual([]);
  });

  it("says so, rather than pretending, when the firmware cannot do the action (stock Antminer STOP)", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear } });
    const out = h.cycle({ a: telemetry({ family: "bmminer" }) });
    expect(decisionsOf(out)[0]).toMatchObject({ action: "STOP" });
    expect(proofsOf(out)).toEqual([expect.objectContaining({ reason: "UNSUPPORTED_BY_FIRMWARE" })]);
    expect(out.dispatch).toEqual([]);
  });

  it("is a pure function: the same state, observations and clock give the same records", () => {
    const run = () => {
      const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear } });
      h.cycle({ a: cgminer(), b: telemetry({ maxChipTempC: 97 }), c: "refused" });
      return h.records;
    };
    expect(run()).toEqual(run());
  });

  it("adds a fleet profit record summing the hashing miners", () => {
    const h = new Harness();
    const out = h.cycle({ a: telemetry(), b: telemetry({ hashrateThs: "90.5" }) });
    const fleet = out.decisions.find((p) => p.type === recordTypes.profit)?.body as {
      hashrateThs: string;
      powerW: number;
      minerId: null;
    };
    expect(fleet).toMatchObject({ minerId: null, hashrateThs: "185.5", powerW: 3278 * 2 });
  });

  // A miner of no known model: no nameplate, no expected hashrate, no power reading.
  const anonymous = (overrides = {}) =>
    cgminer({
      model: null,
      expectedThs: null,
      expectedSource: null,
      powerW: null,
      powerSource: null,
      powerNote: null,
      ...overrides,
    });

  it("one miner's impossible hashrate without a nameplate is a divergence, not the end of everyone's cycle (regression: 1e300 MH/s threw RangeError)", () => {
    const h = new Harness();
    const out = h.cycle({
      wild: anonymous({ hashrateThs: `1${"0".repeat(294)}` }),
      hot: cgminer({ maxChipTempC: 101 }),
      fine: telemetry(),
    });
    expect(proofsOf(out)).toEqual([
      expect.objectContaining({
        minerId: "wild",
        stage: "gate",
        suppressed: "decision",
        reason: "IMPOSSIBLE_HASHRATE",
      }),
    ]);
    expect(divergencesOf(out)).toContainEqual(
      expect.objectContaining({ minerId: "wild", code: "IMPOSSIBLE_HASHRATE", blocking: true }),
    );
    const detail = (out.evidence.find((p) => p.key === "wild:IMPOSSIBLE_HASHRATE")?.body as { detail?: string })
      ?.detail;
    expect(detail).toBe("hashrate 1e+294 TH/s is more than any single miner can do (limit 10000 TH/s)");
    expect(decisionsOf(out)).toEqual([
      expect.objectContaining({ minerId: "hot", action: "STOP", reason: "OVER_TEMPERATURE" }),
      expect.objectContaining({ minerId: "fine", action: "HOLD", reason: "RUNNING_PROFITABLY" }),
    ]);
    expect(out.dispatch).toEqual([expect.objectContaining({ minerId: "hot", action: "STOP" })]);
  });

  it("market figures no real market has make the market data unusable, like stale data, naming the figure; an over-temperature miner is still stopped", () => {
    const h = new Harness();
    h.difficulty = "1";
    const out = h.cycle({ a: telemetry(), hot: cgminer({ maxChipTempC: 101 }) });
    expect(divergencesOf(out)).toContainEqual(
      expect.objectContaining({ minerId: null, code: "IMPLAUSIBLE_NETWORK", blocking: true }),
    );
    expect((out.evidence.find((p) => p.key === "fleet:IMPLAUSIBLE_NETWORK")?.body as { detail?: string })?.detail).toBe(
      "network difficulty 1 is outside the plausible range 1e+12…1e+18 (from fixed): the market data is unusable",
    );
    expect(proofsOf(out)).toEqual([
      expect.objectContaining({ minerId: "a", stage: "gate", reason: "IMPLAUSIBLE_NETWORK" }),
    ]);
    expect(decisionsOf(out)).toEqual([expect.objectContaining({ minerId: "hot", action: "STOP" })]);
    expect(out.evidence.filter((p) => p.type === recordTypes.profit)).toEqual([]);
    h.priceUsd = "0.01";
    h.difficulty = "126000000000000";
    h.advance(minute);
    expect(proofsOf(h.cycle({ a: telemetry() }))).toEqual([
      expect.objectContaining({ minerId: "a", stage: "gate", reason: "IMPLAUSIBLE_PRICE" }),
    ]);
  });

  it("unknown power is an unknown margin, never a $0 cost: no profit verdict, and the fleet totals say what they leave out", () => {
    const h = new Harness({ site: { energyMicroUsdPerKwh: energy.dear } });
    const out = h.cycle({ unknown: anonymous({ hashrateThs: "95" }), known: cgminer() });
    const [unknown, known] = decisionsOf(out) as { action: string; reason: string; detail: string }[];
    expect(unknown).toMatchObject({ action: "HOLD", reason: "MARGIN_UNKNOWN" });
    expect(unknown?.detail).toContain("its cost and margin are unknown (not $0)");
    expect(unknown?.detail).toContain("set the miner's model in the configuration (MINER_<m>_MODEL");
    expect(known).toMatchObject({ action: "STOP", reason: "UNPROFITABLE" });
    expect(out.evidence.filter((p) => p.type === recordTypes.profit).map((p) => p.key)).toEqual(["known"]);
    const fleet = out.decisions.find((p) => p.type === recordTypes.profit)?.body as {
      hashrateThs: string;
      powerW: number;
      excludedMiners: unknown;
    };
    expect(fleet).toMatchObject({
      hashrateThs: "95",
      powerW: 3278,
      excludedMiners: [{ minerId: "unknown", reason: "MARGIN_UNKNOWN" }],
    });
    expect(h.dispatched).toEqual([{ minerId: "known", action: "STOP" }]);
  });

  it("a stalled miner with no known nameplate counts towards its restart, and is restarted (regression: '0 of 3 cycles' forever)", () => {
    const h = new Harness({ policy: { underperformCycles: 3 } });
    const stalled = anonymous({ hashrateThs: "0", powerW: 120, powerSource: "reported" });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const decision = decisionsOf(h.cycle({ a: stalled }))[0] as { action: string; reason: string; detail: string };
      seen.push(`${decision.action} ${decision.reason}: ${decision.detail.split(";")[0]}`);
      h.advance(minute);
    }
    expect(seen).toEqual([
      "HOLD NOT_HASHING: not hashing for 1 of 3 cycles before a restart",
      "HOLD NOT_HASHING: not hashing for 2 of 3 cycles before a restart",
      'RESTART NOT_HASHING: the API answers but nothing hashes (0 TH/s) for 3 cycles (not hashing, and what it would earn is unknown (no expected hashrate, no known model): set the miner\'s model in the configuration (MINER_<m>_MODEL, OPERATOR_<n>_MINER_<m>_MODEL or "model" in OPERATORS_JSON) so its nameplate gives the power)',
    ]);
    expect(h.dispatched).toEqual([{ minerId: "a", action: "RESTART" }]);
  });

  it("never promises a restart that cannot happen: the countdown says why it would not be carried out", () => {
    const whatsminer = new Harness({ policy: { underperformCycles: 3 } });
    const detail = (
      decisionsOf(whatsminer.cycle({ a: telemetry({ family: "btminer", hashrateThs: "0" }) }))[0] as {
        detail: string;
      }
    ).detail;
    expect(detail).not.toContain("before a restart");
    expect(detail).toMatch(
      /^not hashing for 1 of 3 cycles; a RESTART would then be decided but not carried out: Whatsminer/,
    );
    const manual = new Harness({ mode: "MANUAL" });
    expect((decisionsOf(manual.cycle({ a: cgminer({ hashrateThs: "0" }) }))[0] as { detail: string }).detail).toContain(
      "not carried out: the operator is in MANUAL mode",
    );
    const capped = new Harness({ policy: { maxRestartsPerHour: 0 } });
    expect((decisionsOf(capped.cycle({ a: cgminer({ hashrateThs: "0" }) }))[0] as { detail: string }).detail).toContain(
      "restarts are capped at 0 per hour",
    );
  });

  it("a restart never undoes the operator's MANUAL switch; only an edit of the configured mode changes it", () => {
    const h = new Harness();
    h.setMode("MANUAL"); // POST /mode
    h.setEnergy(energy.dear); // a restart with another setting: a new config record, still configured AUTO
    expect(h.state.mode).toBe("MANUAL");
    const out = h.cycle({ a: cgminer() });
    expect(proofsOf(out)).toEqual([expect.objectContaining({ suppressed: "STOP", reason: "MANUAL_MODE" })]);
    const last = [...h.records].reverse().find((r) => r.type === recordTypes.config)?.body as Record<string, unknown>;
    h.append(recordTypes.config, { ...last, mode: "MANUAL" } as never);
    h.setMode("AUTO");
    h.append(recordTypes.config, { ...last, mode: "MANUAL" } as never); // restarted, MODE unchanged since
    expect(h.state.mode).toBe("AUTO");
    h.append(recordTypes.config, { ...last, mode: "AUTO" } as never); // the operator edited MODE
    h.setMode("MANUAL");
    h.append(recordTypes.config, { ...last, mode: "AUTO" } as never);
    expect(h.state.mode).toBe("MANUAL");
  });

  it("a miner at 3 % of its expected rate is not hashing for the rules, but its power draw is a cost in its figures and the totals (rules 5)", () => {
    const h = new Harness();
    const crawling = telemetry({ hashrateThs: "2.85", powerW: 1900, powerSource: "reported" });
    const out = h.cycle({ crawling, fine: telemetry() });
    const profit = out.evidence.find((p) => p.type === recordTypes.profit && p.key === "crawling")?.body as {
      basis: string;
      hashrateThs: string;
      powerW: number;
      costMicroUsdPerDay: number;
    };
    expect(profit).toMatchObject({ basis: "measured", hashrateThs: "2.85", powerW: 1900 });
    expect(profit.costMicroUsdPerDay).toBeGreaterThan(0);
    const fleet = out.decisions.find((p) => p.type === recordTypes.profit)?.body as {
      powerW: number;
      hashrateThs: string;
    };
    expect(fleet).toMatchObject({ powerW: 1900 + 3278, hashrateThs: "97.85" });
    // The rules still see a miner that does not hash: counting towards a restart, no RUN/STOP verdict.
    expect(decisionsOf(out)[0]).toMatchObject({ minerId: "crawling", action: "HOLD", reason: "NOT_HASHING" });
  });
});
