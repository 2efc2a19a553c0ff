// GET /ledger/replay beside a running controller: a cycle being written is "in progress", not a
// failed replay; a long replay leaves the event loop free for other requests; and concurrent
// replays of one operator share one read of the ledger.

import type { HttpServer } from "@pithead/http";
import type { Ledger } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFleetServer } from "../src/api/fleet-server.ts";
import { signFleetRequest } from "../src/auth/sign.ts";
import { ManualClock } from "../src/clock.ts";
import { recordTypes } from "../src/core/records.ts";
import type { OperatorController } from "../src/orchestrator/operator-controller.ts";
import type { Recorder } from "../src/orchestrator/recorder.ts";
import { replayPartition } from "../src/orchestrator/replay.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, listenLocal, operatorFor } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
const secret = "solo-secret-0123456789abcdef";
let simulator: FleetSimulator;
let store: TestLedger;
let server: HttpServer;
let base: string;
let controller: OperatorController;
/** While set, the controller's evidence batch waits for it: a cycle caught between two writes. */
let gate: Promise<void> | undefined;
/** Full reads of the partition (what a replay does), counted; while readGate is set they wait. */
let fullReads = 0;
let readGate: Promise<void> | undefined;
/** The server's clock reads: each signed request's check reads it. */
let clockReads = 0;

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 60, clock, models: ["s19", "s21"] });
  store = await openTestLedger("sqlite");
  const ledger = store.ledger;
  const gated: Recorder = {
    append: (...args) => ledger.append(...args),
    appendBatch: async (partition, entries) => {
      if (gate && entries.some((entry) => entry.type === recordTypes.profit)) await gate;
      return await ledger.appendBatch(partition, entries);
    },
    get: (...args) => ledger.get(...args),
    read: (...args) => ledger.read(...args),
    size: (...args) => ledger.size(...args),
  };
  controller = await controllerFor(operatorFor("solo", simulator.endpoints(), { secret }), gated, clock);
  const counting = new Proxy(ledger, {
    get(target, key, receiver) {
      if (key === "read")
        return async function* (partition: string, options?: { type?: string; fromSeq?: number }) {
          if (options === undefined) fullReads++;
          if (readGate) await readGate;
          yield* target.read(partition, options);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Ledger;
  server = await createFleetServer({
    controllers: new Map([["solo", controller]]),
    ledger: counting,
    clock: {
      now: () => {
        clockReads++;
        return clock.now();
      },
    },
    auth: { disabled: false, legacyBearer: false, maxSkewMs: 60_000 },
    logger: false,
  });
  base = await listenLocal(server);
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

async function replay(): Promise<{ status: number; body: Record<string, unknown> }> {
  const path = "/operators/solo/ledger/replay";
  const headers = await signFleetRequest({ operatorId: "solo", secret, method: "GET", path, now: clock.now() });
  const response = await fetch(`${base}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("GET /ledger/replay beside a running controller", () => {
  it("reports the cycle being written as in progress, and the replay stays ok", async () => {
    await controller.runCycle();
    clock.advance(30_000);
    let release = () => {};
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const before = await store.ledger.size("fleet/solo");
    const running = controller.runCycle();
    while ((await store.ledger.size("fleet/solo")) === before) await new Promise((r) => setTimeout(r, 5));
    const during = await replay();
    expect(during.status).toBe(200);
    expect(during.body).toMatchObject({ ok: true, inProgress: before, cycles: 2 });
    expect(during.body.differences).toEqual([
      expect.objectContaining({ kind: "in-progress", cycleSeq: before, detail: expect.stringContaining("running") }),
    ]);
    release();
    gate = undefined;
    await running;
    expect((await replay()).body).toMatchObject({ ok: true, inProgress: null, differences: [] });
  });

  it("two replays at once share one read of the ledger", async () => {
    fullReads = 0;
    let release = () => {};
    readGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = replay();
    while (fullReads === 0) await new Promise((resolve) => setImmediate(resolve));
    // The second request reaches the route (authentication reads the clock) while the first waits.
    const asked = clockReads;
    const second = replay();
    while (clockReads === asked) await new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    release();
    readGate = undefined;
    const [one, two] = [await first, await second];
    expect(one.body).toMatchObject({ ok: true });
    expect(two.body).toEqual(one.body);
    expect(fullReads).toBe(1);
    await replay(); // once it is done, the next one reads afresh
    expect(fullReads).toBe(2);
  });

  it("two replays one after the other each read the ledger", async () => {
    fullReads = 0;
    const [first, second] = await Promise.all([replay(), replay()]);
    expect(first.body).toMatchObject({ ok: true });
    expect(second.body).toEqual(first.body);
  });

  it("a replay gives the event loop turns: a callback queued when it starts runs before it ends", async () => {
    expect(await store.ledger.size("fleet/solo")).toBeGreaterThan(300);
    // An I/O callback (a /health request) waits for the same turn of the loop as this one.
    let fired = false;
    const immediate = setImmediate(() => {
      fired = true;
    });
    const report = await replayPartition(store.ledger, "fleet/solo", "solo");
    const firedBeforeEnd = fired;
    clearImmediate(immediate);
    expect(report.ok).toBe(true);
    expect(firedBeforeEnd).toBe(true);
  });
});
