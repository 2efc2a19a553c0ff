// One operator's damaged ledger partition does not stop the others: the controller starts the
// healthy operators and quarantines the damaged one (no cycles; its routes answer 503 naming the
// partition, the damage and the verify command; /health says degraded without the details), and
// another operator's credentials learn nothing of the damage.

import { statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signFleetRequest } from "../src/auth/sign.ts";
import { ManualClock } from "../src/clock.ts";
import { type FleetConfig, loadFleetConfig } from "../src/config/load-config.ts";
import { type FleetService, openFleet, startFleetService } from "../src/fleet-service.ts";
import { FleetSimulator } from "../src/simulator/fleet-simulator.ts";
import { openTestLedger, type TestLedger } from "./ledger.ts";

const secrets = { alpha: "alpha-secret-0123456789abcdef", beta: "beta-secret-0123456789abcdef" };
const clock = new ManualClock(Date.UTC(2026, 8, 1));
let simulator: FleetSimulator;
let store: TestLedger;
let config: FleetConfig;
let service: FleetService;
const lines: { level: number; msg: string; [field: string]: unknown }[] = [];

function configFor(dataDir: string): FleetConfig {
  const [a, b] = simulator.endpoints();
  const miner = (endpoint: typeof a) => ({ id: endpoint?.id, ip: endpoint?.host, port: endpoint?.port });
  return loadFleetConfig({
    DATA_DIR: dataDir,
    LOOP_ENABLED: "false",
    OPERATORS_JSON: JSON.stringify([
      { operatorId: "alpha", apiSecret: secrets.alpha, miners: [miner(a)] },
      { operatorId: "beta", apiSecret: secrets.beta, miners: [miner(b)] },
    ]),
  });
}

/** Runs a cycle for every operator on `config`'s data, then closes. */
async function cycleEveryOperator(): Promise<void> {
  const fleet = await openFleet(config, { clock });
  try {
    for (const controller of fleet.controllers.values()) await controller.runCycle();
  } finally {
    await fleet.close();
  }
}

function damage(operatorId: string): string {
  const records = join(config.dataDir, "fleet-ledger", "fleet", `${operatorId}.ledger`, "records.jsonl");
  // The last record loses its end (a disk that lost a block): the signed checkpoint still covers it.
  truncateSync(records, statSync(records).size - 40);
  return records;
}

async function call(method: string, path: string, as: keyof typeof secrets, body?: unknown) {
  const text = body === undefined ? undefined : JSON.stringify(body);
  const headers = await signFleetRequest({
    operatorId: as,
    secret: secrets[as],
    method,
    path,
    body: text,
    now: clock.now(),
  });
  const response = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...headers, ...(text !== undefined ? { "content-type": "application/json" } : {}) },
    body: text,
  });
  const raw = await response.text();
  return { status: response.status, raw, body: JSON.parse(raw) as { error?: { code?: string; message?: string } } };
}

beforeAll(async () => {
  simulator = await FleetSimulator.start({ miners: 2, clock, models: ["s19"] });
  store = await openTestLedger("jsonl"); // only for its temporary directory
  config = configFor(join(store.dir, "data"));
  await cycleEveryOperator();
  clock.advance(30_000);
  await cycleEveryOperator();
  damage("alpha");
  const stream = { write: (line: string) => void lines.push(JSON.parse(line)) };
  service = await startFleetService(config, { clock, port: 0, logger: { level: "info", stream } });
});

afterAll(async () => {
  await service?.close();
  await simulator?.close();
  await store?.[Symbol.asyncDispose]();
});

describe("several operators, one partition damaged", () => {
  it("starts, running the healthy operator and quarantining the damaged one", () => {
    expect([...service.controllers.keys()]).toEqual(["beta"]);
    expect(service.quarantined.get("alpha")).toMatchObject({
      partition: "fleet/alpha",
      verify: expect.stringContaining("pithead ledger verify"),
    });
  });

  it("says so loudly in the start log, naming the partition and the verify command", () => {
    const line = lines.find((entry) => entry.operator === "alpha" && /QUARANTINED/.test(entry.msg));
    expect(line).toMatchObject({ level: 50, partition: "fleet/alpha" });
    expect(line?.msg).toContain("pithead ledger verify");
  });

  it("answers the damaged operator's routes with 503 naming the partition, the damage and the command", async () => {
    for (const path of ["/operators/alpha/miners", "/miners", "/operators/alpha/ledger/decisions"]) {
      const response = await call("GET", path, "alpha");
      expect(response.status, path).toBe(503);
      expect(response.body.error, path).toMatchObject({
        code: "OPERATOR_QUARANTINED",
        message: expect.stringContaining("fleet/alpha"),
      });
      expect(response.body.error?.message).toContain("pithead ledger verify");
      expect(response.body.error?.message).toContain("damaged");
    }
    const cycle = await call("POST", "/operators/alpha/loop/run-once", "alpha", {});
    expect(cycle.status).toBe(503);
    expect(cycle.body.error?.code).toBe("OPERATOR_QUARANTINED");
  });

  it("serves and cycles the healthy operator", async () => {
    expect((await call("GET", "/operators/beta/miners", "beta")).status).toBe(200);
    const cycle = await call("POST", "/operators/beta/loop/run-once", "beta", {});
    expect(cycle.status).toBe(200);
  });

  it("tells another operator's credentials nothing of the damage", async () => {
    const response = await call("GET", "/operators/alpha/miners", "beta");
    expect(response.status).toBe(403);
    expect(response.body.error?.code).toBe("OPERATOR_FORBIDDEN");
    expect(response.raw).not.toMatch(/damaged|verify|fleet\/alpha/);
  });

  it("reports /health as degraded, naming the operator but not its damage or where its ledger is", async () => {
    const response = await fetch(`${service.url}/health`);
    const raw = await response.text();
    expect(JSON.parse(raw)).toMatchObject({
      status: "degraded",
      quarantined: [{ id: "alpha", reason: "PARTITION_UNREADABLE" }],
      operators: expect.arrayContaining([
        expect.objectContaining({ id: "alpha" }),
        expect.objectContaining({ id: "beta" }),
      ]),
    });
    expect(raw).not.toContain(config.dataDir);
    expect(raw).not.toMatch(/damaged|ledger verify/);
  });
});

describe("every partition damaged", () => {
  it("refuses to start: nothing healthy to run", async () => {
    await service.close();
    damage("beta");
    const error = await openFleet(config, { clock }).then(
      () => undefined,
      (thrown: unknown) => thrown as Error,
    );
    expect(error?.message).toContain("fleet/alpha");
    // The afterAll close of an already closed service must be harmless: start a healthy-less no-op.
    service = { close: async () => {} } as unknown as FleetService;
  });
});
