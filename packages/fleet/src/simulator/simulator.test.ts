import { describe, expect, it } from "vitest";
import { CgminerAdapter } from "../cgminer/adapter.ts";
import { ManualClock } from "../clock.ts";
import { modelById, models } from "../models.ts";
import { parseFault } from "./faults.ts";
import { FleetSimulator, loopbackAddress } from "./fleet-simulator.ts";
import { SimulatedMiner } from "./simulated-miner.ts";

const s19 = modelById("s19");
if (!s19) throw new Error("catalogue lacks the S19");

function miner(clock: ManualClock, seed = 7) {
  return new SimulatedMiner({
    id: "m",
    model: s19 as NonNullable<typeof s19>,
    seed,
    clock,
    ambientC: 25,
    firmware: "cgminer",
  });
}

describe("simulated miner physics", () => {
  it("sits at thermal equilibrium: ambient + k × power, about 75 °C at nameplate", () => {
    const snapshot = miner(new ManualClock()).snapshot();
    expect(snapshot.chipC).toBeCloseTo(25 + 50 * (snapshot.powerW / (95 * 34.5)), 5);
    expect(snapshot.chipC).toBeGreaterThan(70);
    expect(snapshot.ths).toBeGreaterThan(95 * 0.96);
  });

  it("heats toward the new target when cooling fails, and cools when stopped", () => {
    const clock = new ManualClock();
    const m = miner(clock);
    m.setFault({ kind: "over-temperature" });
    clock.advance(60_000); // one time constant: 63 % of the way
    const partWay = m.snapshot().chipC;
    clock.advance(9 * 60_000);
    const hot = m.snapshot().chipC;
    expect(partWay).toBeGreaterThan(85);
    expect(partWay).toBeLessThan(hot);
    expect(hot).toBeGreaterThan(105);
    for (let i = 0; i < 3; i++) m.handle(JSON.stringify({ command: "ascdisable", parameter: String(i) }));
    clock.advance(5 * 60_000);
    const cooled = m.snapshot();
    expect(cooled.hashing).toBe(false);
    expect(cooled.chipC).toBeLessThan(35);
  });

  it("is deterministic for a seed", () => {
    const a = miner(new ManualClock(), 3).handle('{"command":"summary"}');
    const b = miner(new ManualClock(), 3).handle('{"command":"summary"}');
    const c = miner(new ManualClock(), 4).handle('{"command":"summary"}');
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it("answers invalid JSON with E/23 and unknown commands with E/14, as cgminer does", () => {
    const m = miner(new ManualClock());
    const bad = m.handle("{not json");
    expect(bad.kind === "reply" && JSON.parse(bad.text)).toMatchObject({ STATUS: [{ STATUS: "E", Code: 23 }] });
    const unknown = m.handle('{"command":"frobnicate"}');
    expect(unknown.kind === "reply" && JSON.parse(unknown.text)).toMatchObject({
      STATUS: [{ STATUS: "E", Code: 14, Msg: "Invalid command" }],
    });
    const plain = m.handle("summary|");
    expect(plain.kind === "reply" && JSON.parse(plain.text).SUMMARY).toHaveLength(1);
  });

  it("answers every read command of every model and firmware with well-formed JSON in the firmware's shape", () => {
    const clock = new ManualClock();
    for (const model of models) {
      for (const firmware of ["cgminer", "bmminer", "btminer", "avalon"] as const) {
        const m = new SimulatedMiner({ id: "m", model, seed: 3, clock, firmware });
        for (const command of ["version", "summary", "pools", "devs", "devdetails", "stats"]) {
          const response = m.handle(JSON.stringify({ command, parameter: "" }));
          const text = response.kind === "reply" ? response.text : "";
          const reply = JSON.parse(text) as Record<string, unknown>;
          if (command === "version" && firmware === "btminer") {
            expect(reply, `${model.id}/${firmware}`).toMatchObject({ STATUS: "E", Code: 14 });
            continue;
          }
          expect(reply, `${model.id}/${firmware}/${command}`).toMatchObject({
            STATUS: [{ STATUS: "S" }],
            [command.toUpperCase()]: expect.any(Array),
            id: 1,
          });
        }
        const joined = m.handle('{"command":"summary+pools+stats","parameter":""}');
        const value = JSON.parse(joined.kind === "reply" ? joined.text : "") as Record<string, unknown>;
        expect(Object.keys(value), `${model.id}/${firmware}`).toEqual(
          firmware === "btminer"
            ? ["STATUS", "When", "Code", "Msg", "Description"]
            : ["summary", "pools", "stats", "id"],
        );
      }
    }
  });

  it("parses faults as the CLI takes them, with clear errors", () => {
    expect(parseFault("slow:2500")).toEqual({ kind: "slow", delayMs: 2500 });
    expect(parseFault("malformed:truncated")).toEqual({ kind: "malformed", form: "truncated" });
    expect(() => parseFault("malformed:weird")).toThrow(/malformed needs one of/);
    expect(() => parseFault("low-hashrate:2")).toThrow(/fraction 0..1/);
    expect(() => parseFault("meltdown")).toThrow(/unknown fault 'meltdown'/);
  });
});

describe("simulated fleet addressing", () => {
  it("numbers loopback addresses without .0 or .255", () => {
    expect(loopbackAddress("127.1.0.1", 0)).toBe("127.1.0.1");
    expect(loopbackAddress("127.1.0.1", 253)).toBe("127.1.0.254");
    expect(loopbackAddress("127.1.0.1", 254)).toBe("127.1.1.1");
    expect(() => loopbackAddress("10.0.0.1", 0)).toThrow(/127\.x\.y\.z/);
  });

  it("gives each miner its own loopback address, like machines on a LAN", async () => {
    await using simulator = await FleetSimulator.start({
      miners: 3,
      addressing: { mode: "hosts", base: "127.77.0.1", port: 0 },
      clock: new ManualClock(),
    });
    const endpoints = simulator.endpoints();
    expect(endpoints.map((e) => e.host)).toEqual(["127.77.0.1", "127.77.0.2", "127.77.0.3"]);
    const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 500, totalTimeoutMs: 1_000 } });
    for (const endpoint of endpoints) expect((await adapter.poll(endpoint)).ok).toBe(true);
  });

  it("reports impossible values and counters going backwards when told to", async () => {
    const clock = new ManualClock();
    await using simulator = await FleetSimulator.start({ miners: 1, models: ["s19"], clock });
    const [endpoint] = simulator.endpoints();
    if (!endpoint) throw new Error("no endpoint");
    const adapter = new CgminerAdapter({ transport: { connectTimeoutMs: 500, totalTimeoutMs: 1_000 } });
    const before = await adapter.poll(endpoint);
    simulator.miner(endpoint.id).setFault({ kind: "impossible", value: "temperature" });
    const hot = await adapter.poll(endpoint);
    expect(hot.ok && hot.telemetry.maxChipTempC).toBeGreaterThan(150);
    simulator.miner(endpoint.id).clearFault("impossible");
    simulator.miner(endpoint.id).setFault({ kind: "impossible", value: "counters-backwards" });
    clock.advance(1_000);
    const after = await adapter.poll(endpoint);
    expect(before.ok && after.ok).toBe(true);
    if (before.ok && after.ok) {
      expect(after.telemetry.accepted).toBeLessThan(before.telemetry.accepted ?? 0);
      expect(after.telemetry.uptimeS).toBeGreaterThanOrEqual(before.telemetry.uptimeS ?? 0);
    }
  });

  it("refuses a bad size or an unknown model before listening", async () => {
    await expect(FleetSimulator.start({ miners: 0 })).rejects.toThrow(/positive integer/);
    await expect(FleetSimulator.start({ miners: 1, models: ["s99"] })).rejects.toThrow(/unknown model 's99'/);
  });
});
