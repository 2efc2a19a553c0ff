// A cycle cut short is evidence, not a failure: a controller killed during the poll leaves
// nothing half-written; one stopped (or out of disk) after its observations is recorded as
// fleet.cycle-interrupted, and replay reports it as "interrupted" without failing. A cycle cut
// short in the middle of the ledger with no record saying so still fails the replay, and the last
// cycle, still being written, is "in-progress".

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import type { Recorder } from "../src/orchestrator/recorder.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor } from "./helpers.ts";
import { openTestLedger } from "./ledger.ts";

const run = promisify(execFile);
const cli = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const clean = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", CI: "1", LOG_LEVEL: "warn" };

/** A recorder over a ledger whose batches with `type` fail (a full disk) or never return (a kill). */
function cutting(ledger: Recorder, type: string, how: "fail" | "hang", when = () => true): Recorder {
  return {
    append: (...args) => ledger.append(...args),
    appendBatch: async (partition, entries) => {
      if (when() && entries.some((entry) => entry.type === type)) {
        if (how === "hang") return await new Promise(() => {});
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      return await ledger.appendBatch(partition, entries);
    },
    get: (...args) => ledger.get(...args),
    read: (...args) => ledger.read(...args),
    size: (...args) => ledger.size(...args),
  };
}

async function recordsOf(ledger: Recorder, partition: string, type: string) {
  const bodies = [];
  for await (const record of ledger.read(partition, { type })) bodies.push(record.body);
  return bodies;
}

describe.each(["jsonl", "sqlite"] as const)("an interrupted cycle (%s)", (store) => {
  it("a controller killed (-9) while a hanging miner holds the poll leaves a ledger that replays", async () => {
    await using simulator = await FleetSimulator.start({ miners: 2, models: ["s19"] });
    const [first, second] = simulator.endpoints();
    const hanging = simulator.miner(second?.id as string);
    hanging.setFault({ kind: "hang" });
    const asked = new Promise<void>((resolve) => {
      const handle = hanging.handle.bind(hanging);
      hanging.handle = (text) => {
        resolve();
        return handle(text);
      };
    });
    const dir = mkdtempSync(join(tmpdir(), "pithead-fleet-kill-"));
    const site = join(dir, "site.env");
    writeFileSync(
      site,
      [
        `MINER_0_IP=${first?.host}`,
        `MINER_0_PORT=${first?.port}`,
        `MINER_1_IP=${second?.host}`,
        `MINER_1_PORT=${second?.port}`,
        "API_SECRET=min-secret-0123456789",
        "POLL_INTERVAL_MS=2000",
        `LEDGER_STORE=${store}`,
        `DATA_DIR=${dir}`,
        "",
      ].join("\n"),
    );
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, [cli, "fleet", "start", "--port", "0", "--dotenv", site], {
        env: { ...clean, CGMINER_TIMEOUT_MS: "120000" },
      });
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      await asked; // the first cycle is polling, held by the hanging miner
      child.kill("SIGKILL");
      await exited;

      const replay = await run(process.execPath, [cli, "fleet", "replay", "--dotenv", site, "--json"], {
        env: clean,
      });
      expect(JSON.parse(replay.stdout)).toEqual([expect.objectContaining({ ok: true, cycles: 0 })]);

      // A restart and a cycle (the hanging miner now a failed poll): still replays.
      await run(process.execPath, [cli, "fleet", "cycle", "--dotenv", site], {
        env: { ...clean, CGMINER_TIMEOUT_MS: "300", CGMINER_CONNECT_TIMEOUT_MS: "200" },
      });
      const after = await run(process.execPath, [cli, "fleet", "replay", "--dotenv", site, "--json"], { env: clean });
      expect(JSON.parse(after.stdout)).toEqual([expect.objectContaining({ ok: true, cycles: 1 })]);
    } finally {
      child?.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it("a controller stopped after its observations: the next start records the cycle as interrupted", async () => {
    await using ledger = await openTestLedger(store);
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
    const operator = operatorFor("op-kill", simulator.endpoints());
    // The process "dies" while writing the evidence: that batch never returns.
    const first = await controllerFor(operator, cutting(ledger.ledger, recordTypes.profit, "hang"), clock);
    void first.runCycle();
    await new Promise<void>((resolve) => {
      const wait = async () => ((await ledger.ledger.size("fleet/op-kill")) > 3 ? resolve() : setTimeout(wait, 10));
      void wait();
    });
    // Until a restart says otherwise, the cycle may still be running: reported, not failed.
    const meanwhile = await replayPartition(ledger.ledger, "fleet/op-kill", "op-kill");
    expect(meanwhile).toMatchObject({ ok: true, inProgress: 1 });
    expect(meanwhile.differences).toEqual([expect.objectContaining({ kind: "in-progress", cycleSeq: 1 })]);

    clock.advance(30_000);
    const restarted = await controllerFor(operator, ledger.ledger, clock);
    expect(await recordsOf(ledger.ledger, "fleet/op-kill", recordTypes.cycleInterrupted)).toEqual([
      expect.objectContaining({
        cycle: 1,
        reason: "PROCESS_STOPPED",
        unwritten: ["evidence", "decisions"],
        cites: [1],
      }),
    ]);
    await restarted.runCycle();
    const replay = await replayPartition(ledger.ledger, "fleet/op-kill", "op-kill");
    expect(replay).toMatchObject({ ok: true, interrupted: 1, inProgress: null });
    expect(replay.differences).toEqual([
      expect.objectContaining({ kind: "interrupted", cycleSeq: 1, detail: expect.stringContaining("PROCESS_STOPPED") }),
    ]);
  });

  it("a full disk mid-cycle: the next cycle records why the last one stopped, and the ledger replays", async () => {
    await using ledger = await openTestLedger(store);
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
    const operator = operatorFor("op-full", simulator.endpoints());
    let full = true;
    const controller = await controllerFor(
      operator,
      cutting(ledger.ledger, recordTypes.decision, "fail", () => full),
      clock,
    );
    await expect(controller.runCycle()).rejects.toThrow("ENOSPC");
    full = false;
    clock.advance(30_000);
    await controller.runCycle();
    expect(await recordsOf(ledger.ledger, "fleet/op-full", recordTypes.cycleInterrupted)).toEqual([
      expect.objectContaining({
        cycle: 1,
        reason: "STORAGE_FULL",
        unwritten: ["decisions", "suppressions", "receipts"],
      }),
    ]);
    const replay = await replayPartition(ledger.ledger, "fleet/op-full", "op-full");
    expect(replay).toMatchObject({ ok: true, interrupted: 1 });
  });

  it("a cycle cut short in the middle of the ledger with no record saying why still fails the replay", async () => {
    await using ledger = await openTestLedger(store);
    const clock = new ManualClock(Date.UTC(2026, 7, 1));
    await using simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
    const operator = operatorFor("op-gap", simulator.endpoints());
    // The interruption record is lost: the evidence batch fails and the recorder drops the record.
    let full = true;
    const dropping = cutting(ledger.ledger, recordTypes.profit, "fail", () => full);
    const silent: Recorder = {
      ...dropping,
      appendBatch: (partition, entries) =>
        dropping.appendBatch(
          partition,
          entries.filter((entry) => entry.type !== recordTypes.cycleInterrupted),
        ),
    };
    const controller = await controllerFor(operator, silent, clock);
    await expect(controller.runCycle()).rejects.toThrow("ENOSPC");
    full = false;
    clock.advance(30_000);
    await controller.runCycle();
    const replay = await replayPartition(ledger.ledger, "fleet/op-gap", "op-gap");
    expect(replay.ok).toBe(false);
    expect(replay.differences.length).toBeGreaterThan(0);
    expect(replay.differences.every((d) => d.kind === "missing" && d.cycleSeq === 1)).toBe(true);
    expect(replay.differences[0]?.detail).toContain("no fleet.cycle-interrupted record says why");
  });
});
