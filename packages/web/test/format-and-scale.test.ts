// How figures read on the dashboard: units that keep big fleets short, plurals that agree, and
// chart axes whose ticks are distinct numbers over a span where noise stays flat.
import { describe, expect, it } from "vitest";
import type { MinerView } from "../app/api/coordinator.ts";
import { niceScale } from "../app/components/chart-scale.ts";
import { formatHashrate, formatPower, plural } from "../app/lib/format.ts";
import { capacityWarning, onlineCapacity } from "../app/pages/jobs/miner-capacity.ts";
import { renderComponent } from "./support/render.ts";

describe("units at scale", () => {
  it("reads a large fleet in PH/s and MW, a small one as before", () => {
    expect(formatHashrate(84_568.8)).toBe("84.57 PH/s");
    expect(formatHashrate("3149.6")).toBe("3.15 PH/s");
    expect(formatHashrate(94.9)).toBe("94.9 TH/s");
    expect(formatPower(2_488_817)).toBe("2.49 MW");
    expect(formatPower(90_793)).toBe("90.79 kW");
    expect(formatPower(999_999)).toBe("1.00 MW");
    expect(formatPower(3273)).toBe("3.27 kW");
    expect(formatPower(950)).toBe("950 W");
    expect(formatPower(null)).toBe("—");
  });

  it("says 1 record, 2 records", () => {
    expect(plural(1, "record")).toBe("1 record");
    expect(plural(2, "record")).toBe("2 records");
    expect(plural(12_000, "record")).toBe("12,000 records");
  });
});

describe("a chart's y axis", () => {
  it("gives distinct labels and a flat line for a 0.1 TH/s drift at 95 TH/s", () => {
    const { ticks, digits } = niceScale(94.9, 95.0, 1);
    const labels = ticks.map((tick) => tick.toFixed(digits));
    expect(new Set(labels).size).toBe(labels.length);
    // The drift is a small part of the height drawn, not all of it.
    expect((ticks.at(-1) as number) - (ticks[0] as number)).toBeGreaterThanOrEqual(4);
  });

  it("still follows a real change, and a flat series, and values around zero", () => {
    const wide = niceScale(0, 200, 1);
    expect(wide.ticks[0]).toBe(0);
    expect(wide.ticks.at(-1)).toBeGreaterThanOrEqual(200);
    const flat = niceScale(77, 77, 0);
    expect(flat.ticks.length).toBeGreaterThan(1);
    const margin = niceScale(-0.92, 0.74, 2);
    expect(margin.ticks[0]).toBeLessThanOrEqual(-0.92);
    expect(margin.ticks.at(-1)).toBeGreaterThanOrEqual(0.74);
    const labels = margin.ticks.map((tick) => tick.toFixed(margin.digits));
    expect(new Set(labels).size).toBe(labels.length);
  });
});

describe("what the online miners run: the submit form's warnings and the miners table", () => {
  const miner = (id: string, workloads: string[], status: MinerView["status"] = "online", wallet = id): MinerView => ({
    miner_id: id,
    status,
    wallet,
    mode: "cpu",
    gpu: false,
    capabilities: { workloads },
    signs_proofs: false,
    in_flight: 0,
    reputation: 0,
    last_seen_at: "2026-01-01T00:00:00Z",
  });
  const capacity = onlineCapacity([
    miner("a", ["llm_gen"]),
    miner("b", ["llm_gen", "torch_bench"], "offline"),
    miner("c", ["llm_gen"], "online", "a"),
  ]);

  it("counts online miners with distinct wallets per workload", () => {
    expect([...capacity]).toEqual([["llm_gen", 1]]);
  });

  it("warns of a workload no online miner runs, and of more replicas than miners to run them", () => {
    expect(capacityWarning(capacity, { workload: "torch_bench", verification: "none", replicas: "3" })).toMatch(
      /^No online miner runs torch_bench/,
    );
    expect(capacityWarning(capacity, { workload: "llm_gen", verification: "replicate", replicas: "3" })).toBe(
      "3 replicas, but only 1 online miner (one per wallet) runs llm_gen: each replica needs a different one, so the job cannot finish until more are online.",
    );
    expect(capacityWarning(capacity, { workload: "llm_gen", verification: "none", replicas: "3" })).toBeNull();
  });

  // Before: the seed's miner.sh (no workloads declared, offered torch_bench by the coordinator)
  // counted as running nothing, so a torch_bench job it was about to take was warned of.
  it("counts a miner that declares no workloads as running torch_bench, as the coordinator matches it", () => {
    const seed = miner("seed", []);
    expect([...onlineCapacity([seed])]).toEqual([["torch_bench", 1]]);
    expect([...onlineCapacity([{ ...seed, capabilities: null }])]).toEqual([["torch_bench", 1]]);
    expect(
      capacityWarning(onlineCapacity([seed]), { workload: "torch_bench", verification: "none", replicas: "1" }),
    ).toBeNull();
  });

  it("lists what a miner that declares no workloads is offered in the miners table, not a dash", async () => {
    const html = await renderComponent("pages/jobs/miner-table.tsx", "MinerTable", {
      miners: [miner("seed", []), miner("gpu", ["llm_gen", "sd_infer"])],
      first: 1,
    });
    const workloads = [...html.matchAll(/<tr><td><code>[^<]*<\/code>.*?<\/td><td>.*?<\/td><td>(.*?)<\/td>/g)].map(
      ([, cell]) => (cell ?? "").replace(/<[^>]+>/g, ""),
    );
    expect(workloads).toEqual(["torch_bench (none declared)", "llm_gen, sd_infer"]);
  });
});
