// Each browser behind the dashboard has its own budget of failed authentications at a service.
// Every proxied request reaches the service from the dashboard's address: without the per-run
// secret `pithead up` shares between the proxy and the services, one person sending a bad key 60
// times got everyone else's new keys refused (429) through the same dashboard. A local process that
// claims an address without the secret is still counted at its own.

import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../src/index.ts";

const SECRET = "a-test-proxy-secret-of-one-run-0123456789";
const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-budget-"));
const dist = mkdtempSync(join(tmpdir(), "pithead-web-dist-"));
let coordinator: RunningCoordinator;
let adminKey = "";
let withSecret: RunningDashboard;
let withoutSecret: RunningDashboard;
const logged: string[] = [];

beforeAll(async () => {
  // How `pithead up` hands the secret to the services it starts in its own process.
  process.env.PITHEAD_PROXY_SECRET = SECRET;
  try {
    coordinator = await startCoordinator({
      env: {},
      config: {
        dataDir,
        db: { kind: "sqlite", path: join(dataDir, "coordinator.db") },
        port: 0,
        host: "127.0.0.1",
        rateLimitPerMinute: 6_000,
      },
      logger: { level: "debug", stream: { write: (line: string) => logged.push(line) } },
      sweeper: false,
    });
  } finally {
    delete process.env.PITHEAD_PROXY_SECRET;
  }
  adminKey = coordinator.generatedAdminKey ?? coordinator.config.adminKey ?? "";
  const upstreams = { coordinator: coordinator.url };
  [withSecret, withoutSecret] = await Promise.all([
    startDashboard({ distDir: dist, port: 0, logger: false, upstreams, proxySecret: SECRET }),
    // A dashboard started on its own in front of remote services: no secret, as before.
    startDashboard({ distDir: dist, port: 0, logger: false, upstreams }),
  ]);
}, 60_000);

afterAll(async () => {
  await withSecret?.close();
  await withoutSecret?.close();
  await coordinator?.app.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dist, { recursive: true, force: true });
});

/** GET `url` with `key`, from the local address `from` (two browsers on two machines). */
function get(url: string, key: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((done, fail) => {
    const call = request(
      url,
      { localAddress: from, headers: { authorization: `Bearer ${key}`, ...headers } },
      (answer) => {
        answer.resume();
        answer.on("end", () => done(answer.statusCode ?? 0));
      },
    );
    call.on("error", fail);
    call.end();
  });
}

async function freshClientKey(): Promise<string> {
  const response = await fetch(`${coordinator.url}/v1/admin/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ role: "client", wallet: `w-${crypto.randomUUID()}` }),
  });
  return String(((await response.json()) as { key: string }).key);
}

/** Bad keys from `from` until the service answers 429 (its budget is 60). */
async function exhaust(url: string, from: string, headers: Record<string, string> = {}): Promise<number> {
  for (let attempt = 1; attempt <= 100; attempt++) {
    if ((await get(url, "ph_client_bad_key", from, headers)) === 429) return attempt;
  }
  throw new Error("never refused");
}

describe("the failed-authentication budget behind the dashboard", () => {
  it("is each browser's own: one exhausting it does not get another's fresh valid key refused", async () => {
    const url = `${withSecret.url}/svc/coordinator/v1/wallet/balance`;
    expect(await exhaust(url, "127.0.0.2")).toBe(61);
    expect(await get(url, await freshClientKey(), "127.0.0.1")).toBe(200);
    // The one that spent its budget waits, even with a good key the service has not seen yet.
    expect(await get(url, await freshClientKey(), "127.0.0.2")).toBe(429);
    // The secret never reaches the service's log.
    expect(logged.join("")).not.toContain(SECRET);
  });

  it("believes no address a local process claims without the proxy's secret", async () => {
    const direct = `${coordinator.url}/v1/wallet/balance`;
    const claim = { "x-pithead-client-address": "10.9.9.9", "x-pithead-proxy-secret": "a guess" };
    expect(await exhaust(direct, "127.0.0.3", claim)).toBe(61);
    // Counted at its own address: refused there, claim or not.
    expect(await get(direct, await freshClientKey(), "127.0.0.3")).toBe(429);
    expect(await get(direct, await freshClientKey(), "127.0.0.3", claim)).toBe(429);
    // Nor through the dashboard: the proxy sends its own headers, not the browser's.
    const proxied = `${withSecret.url}/svc/coordinator/v1/wallet/balance`;
    expect(await get(proxied, await freshClientKey(), "127.0.0.3", { "x-pithead-client-address": "127.0.0.1" })).toBe(
      429,
    );
  });

  it("is the dashboard's, as before, for a dashboard run without the secret", async () => {
    const url = `${withoutSecret.url}/svc/coordinator/v1/wallet/balance`;
    expect(await exhaust(url, "127.0.0.4")).toBe(61);
    expect(await get(url, await freshClientKey(), "127.0.0.5")).toBe(429);
  });
});
