// GET /ledger/verify beside running controllers: the check runs on the ledger's own thread, and one
// operator's requests that come while its verify runs share that verify (its result, one read of
// the partition) while another operator's get their own.

import type { HttpServer } from "@pithead/http";
import type { Ledger, LedgerVerifyOptions, VerifyReport } from "@pithead/ledger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signFleetRequest } from "../src/auth/sign.ts";
import { ManualClock } from "../src/clock.ts";
import type { OperatorController } from "../src/orchestrator/operator-controller.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { controllerFor, operatorFor, signedServer } from "./helpers.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const clock = new ManualClock(Date.UTC(2026, 4, 1, 9));
const secrets = { north: "north-secret-0123456789abcdef", south: "south-secret-0123456789abcdef" };
let simulator: FleetSimulator;
let store: TestLedger;
let server: HttpServer;
let base: string;
const controllers = new Map<string, OperatorController>();
/** Verifies the ledger ran, by partition; while verifyGate is set each waits for it before running. */
const verifies: string[] = [];
let verifyGate: Promise<void> | undefined;

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 8, clock, models: ["s19"] });
  store = await openTestLedger("jsonl");
  const ledger = store.ledger;
  const [first, second] = [simulator.endpoints().slice(0, 4), simulator.endpoints().slice(4)];
  controllers.set("north", await controllerFor(operatorFor("north", first, { secret: secrets.north }), ledger, clock));
  controllers.set("south", await controllerFor(operatorFor("south", second, { secret: secrets.south }), ledger, clock));
  for (const controller of controllers.values()) await controller.runCycle();
  const counting = new Proxy(ledger, {
    get(target, key, receiver) {
      if (key === "verify")
        return async (partition: string, options?: LedgerVerifyOptions): Promise<VerifyReport> => {
          verifies.push(partition);
          if (verifyGate) await verifyGate;
          return await target.verify(partition, options);
        };
      const value = Reflect.get(target, key, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Ledger;
  ({ server, base } = await signedServer(controllers, counting, clock));
});

afterAll(async () => {
  await server?.close();
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

async function verify(operatorId: "north" | "south"): Promise<VerifyReport> {
  const path = `/operators/${operatorId}/ledger/verify`;
  const headers = await signFleetRequest({
    operatorId,
    secret: secrets[operatorId],
    method: "GET",
    path,
    now: clock.now(),
  });
  const response = await fetch(`${base}${path}`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as VerifyReport;
}

describe("GET /ledger/verify", () => {
  it("answers what ledger.verify reports for the operator's partition", async () => {
    const direct = await store.ledger.verify("fleet/north");
    expect(direct).toMatchObject({ ok: true, partition: "fleet/north" });
    expect(await verify("north")).toEqual(direct);
  });

  it("shares one verify between an operator's requests that come while it runs; another operator gets its own", async () => {
    verifies.length = 0;
    let release = () => {};
    verifyGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const first = verify("north");
    while (verifies.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = verify("north");
    const other = verify("south");
    // The other operator's verify starts while north's is still held: it does not wait for it.
    while (verifies.length < 2) await new Promise((resolve) => setImmediate(resolve));
    // North's second request is in (it would have started its own verify by now, as south's did).
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    release();
    verifyGate = undefined;
    const [one, two, three] = [await first, await second, await other];
    expect(one).toMatchObject({ ok: true, partition: "fleet/north" });
    expect(two).toEqual(one);
    expect(three).toMatchObject({ ok: true, partition: "fleet/south" });
    expect(verifies.sort()).toEqual(["fleet/north", "fleet/south"]);
    // Once it is done, the next request verifies afresh.
    await verify("north");
    expect(verifies).toHaveLength(3);
  });
});
