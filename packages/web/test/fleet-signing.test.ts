// A request the browser signs for the fleet API must still verify after the proxy: the fleet signs
// over the path with its query and the exact body bytes, so the proxy may not touch either.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FleetService, loadFleetConfig, startFleetService } from "@pithead/fleet";
import { signFleetRequest } from "@pithead/fleet/sign";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../src/index.ts";

const data = mkdtempSync(join(tmpdir(), "pithead-web-fleet-"));
const secret = "a-test-secret-of-enough-length";
let fleet: FleetService;
let dashboard: RunningDashboard;

beforeAll(async () => {
  const config = loadFleetConfig({
    DATA_DIR: data,
    SIMULATED_MINERS: "3",
    API_SECRET: secret,
    OPERATOR_ID: "op-test",
    LOOP_ENABLED: "false",
    PORT: "0",
  });
  fleet = await startFleetService(config, { logger: false, loop: false });
  dashboard = await startDashboard({ distDir: data, port: 0, logger: false, upstreams: { fleet: fleet.url } });
});

afterAll(async () => {
  await dashboard?.close();
  await fleet?.close();
  rmSync(data, { recursive: true, force: true });
});

async function signed(method: string, path: string, body?: string, key = secret) {
  const headers = await signFleetRequest({ operatorId: "op-test", secret: key, method, path, body });
  return fetch(`${dashboard.url}/svc/fleet${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body,
  });
}

describe("signed fleet requests through the dashboard's proxy", () => {
  it("verify: a GET with a query and a POST with a body", async () => {
    const miners = await signed("GET", "/operators/op-test/miners?offset=0&limit=2");
    expect(miners.status).toBe(200);
    const list = (await miners.json()) as { count: number; miners: unknown[] };
    expect(list.count).toBe(3);
    expect(list.miners).toHaveLength(2);

    const mode = await signed(
      "POST",
      "/operators/op-test/mode",
      JSON.stringify({ mode: "MANUAL", reason: "from the dashboard test" }),
    );
    expect(mode.status).toBe(200);
    expect(await mode.json()).toMatchObject({ operatorId: "op-test", mode: "MANUAL" });
  });

  it("are refused with the fleet's own error when the secret is wrong", async () => {
    const response = await signed("GET", "/operators/op-test/miners", undefined, "not-the-secret-at-all-nope");
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toMatch(/AUTH/);
  });
});
