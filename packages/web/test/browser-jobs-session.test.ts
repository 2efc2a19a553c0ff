// The dashboard in Debian's Chromium (playwright-core) against a real coordinator and a real fleet
// controller: the compute miners are paged with `next_after` as the wallets are, a coordinator
// from before paging (every miner, no next_after) is one last page, the submit form hears of a
// miner past the first page; the fleet timeline asks for the actions only (signed, through the
// proxy) and says when cycles held every miner; "Forget keys" logs out: back to the login screen
// with nothing kept, in every open tab; a coordinator's refusal of a submitted job goes once the
// form is edited; Test connections names each server's build; a job whose output the result
// retention removed says so and still shows its ledger evidence.
// Screenshots: artifacts/screenshots/<test>-<step>.png.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MinerView } from "../app/api/coordinator.ts";
import { readAllMiners } from "../app/pages/jobs/all-miners.ts";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../src/index.ts";
import { launchChromium } from "./support/chromium.ts";
import { OPERATOR, SECRET, startTestFleet, type TestFleet } from "./support/fleet.ts";

// This package's ports for tests that need fixed ones: 18200-18299.
const PORTS = { dashboard: 18210, legacyDashboard: 18211, coordinator: 18212, legacyCoordinator: 18213, fleet: 18214 };
const CODE = "K7QX-M2PD";
const MINERS = 230;
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");

const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-browser-"));
let coordinator: RunningCoordinator;
let adminKey = "";
let clientKey = "";
let legacy: Server;
let fleet: TestFleet;
let dashboard: RunningDashboard;
let legacyDashboard: RunningDashboard;
let browser: Browser;
/** Added to the coordinator's clock: the last test moves it days ahead, past the result retention. */
let skewMs = 0;

async function call(path: string, key: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${coordinator.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

const minerId = (index: number) => `miner-${String(index).padStart(3, "0")}`;
/** A miner as the coordinator lists it, for the coordinator from before paging. */
const legacyMiner = (index: number): MinerView => ({
  miner_id: `old-${String(index).padStart(3, "0")}`,
  status: "online",
  wallet: `w-${index}`,
  mode: "cpu",
  gpu: false,
  capabilities: { workloads: ["llm_gen"] },
  signs_proofs: false,
  in_flight: 0,
  reputation: 100,
  last_seen_at: new Date().toISOString(),
});

beforeAll(async () => {
  const [built] = await Promise.all([
    ensureDashboardBuilt(),
    (async () => {
      coordinator = await startCoordinator({
        env: {},
        config: {
          dataDir,
          db: { kind: "sqlite", path: join(dataDir, "coordinator.db") },
          port: PORTS.coordinator,
          host: "127.0.0.1",
          rateLimitPerMinute: 0,
          resultRetentionDays: 1,
        },
        clock: () => Date.now() + skewMs,
        logger: false,
        sweeper: false,
      });
      adminKey = coordinator.generatedAdminKey ?? coordinator.config.adminKey ?? "";
      const client = await call("/v1/admin/keys", adminKey, { role: "client", wallet: "browser-client" });
      clientKey = String(client.key);
      // The last miner in miner_id order (on the third page) is the only one that runs rare_work.
      for (let index = 0; index < MINERS; index++) {
        const key = String((await call("/v1/admin/keys", adminKey, { role: "miner", label: minerId(index) })).key);
        const workloads = index === MINERS - 1 ? ["llm_gen", "rare_work"] : ["llm_gen"];
        await call("/v1/miner/heartbeat", key, {
          miner_id: minerId(index),
          wallet: `w-${minerId(index)}`,
          mode: "cpu",
          gpu: 0,
          capabilities: { workloads },
        });
      }
    })(),
  ]);
  // A coordinator from before paging: every miner at once, no next_after; nothing else.
  legacy = createServer((request, response) => {
    const found = request.url?.startsWith("/v1/admin/miners");
    response.writeHead(found ? 200 : 404, { "content-type": "application/json" });
    response.end(
      JSON.stringify(
        found
          ? { miners: Array.from({ length: 150 }, (_, index) => legacyMiner(index)) }
          : { error: { code: "NOT_FOUND", message: "not here", details: {} } },
      ),
    );
  });
  await new Promise<void>((done) => legacy.listen(PORTS.legacyCoordinator, "127.0.0.1", done));
  // No energy cost: every simulated miner is profitable, so every automatic decision is a HOLD.
  fleet = await startTestFleet({ SIMULATED_MINERS: "12", ENERGY_COST_PER_KWH: "0", PORT: String(PORTS.fleet) });
  const bundle = {
    coordinator: { url: coordinator.url, adminKey, clientKey, clientWallet: "browser-client" },
    fleet: { url: fleet.service.url, operators: [{ id: OPERATOR, secret: SECRET }] },
  };
  [dashboard, legacyDashboard, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: PORTS.dashboard,
      logger: false,
      upstreams: { coordinator: coordinator.url, fleet: fleet.service.url },
      login: { code: CODE, bundle },
      // Every test here logs in, some in two tabs: more than the default 10 a minute from one address.
      loginAttemptsPerMinute: 60,
    }),
    startDashboard({
      distDir: built.distDir,
      port: PORTS.legacyDashboard,
      logger: false,
      upstreams: { coordinator: `http://127.0.0.1:${PORTS.legacyCoordinator}` },
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await legacyDashboard?.close();
  await new Promise<void>((done) => (legacy ? legacy.close(() => done()) : done()));
  await coordinator?.app.close();
  await fleet?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, test: string, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `${test}-${step}.png`), fullPage: true });
}

async function logIn(page: Page): Promise<void> {
  await page.goto(dashboard.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
}

describe("the compute miners, paged", () => {
  it("reads every miner in pages of the coordinator's largest size, following next_after", async () => {
    const requests: (string | undefined)[] = [];
    const all = await readAllMiners(async (after) => {
      requests.push(after);
      const query = new URLSearchParams({ limit: "100", ...(after === undefined ? {} : { after }) });
      const page = await call(`/v1/admin/miners?${query}`, adminKey);
      return page as unknown as { miners: MinerView[]; next_after: string | null };
    });
    expect(all.map((miner) => miner.miner_id)).toEqual(Array.from({ length: MINERS }, (_, index) => minerId(index)));
    expect(requests).toEqual([undefined, minerId(99), minerId(199)]);
  });

  it("pages the miners table with Next/Previous, and the submit form knows a miner on the last page", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page);
    const miners = page.getByRole("region", { name: "Compute miners" });
    const next = miners.getByRole("button", { name: "Next miners" });
    // A page is shown when its range line and its rows both are (the next test: never one without the other).
    const shown = async () => ({
      range: await miners.getByText(/^miners \d/).textContent(),
      ids: await miners.locator("tbody td:first-child code").allTextContents(),
    });
    const expectPage = (from: number, to: number, more: boolean) =>
      expect.poll(shown, { timeout: 15_000 }).toEqual({
        range: `miners ${from}–${to}, ${more ? "more follow" : "the last"} (in miner id order)`,
        ids: Array.from({ length: to - from + 1 }, (_, index) => minerId(from - 1 + index)),
      });
    await expectPage(1, 100, true);
    await next.click();
    await expectPage(101, 200, true);
    await next.click();
    await expectPage(201, MINERS, false);
    expect(await next.count()).toBe(0);
    await shot(page, "miners-paged", "1-last-page");
    await miners.getByRole("button", { name: "Previous miners" }).click();
    await expectPage(101, 200, true);
    // Which workloads online miners run is about every miner, not the page shown.
    await expect
      .poll(() => page.getByText(/^Online miners run/).textContent(), { timeout: 15_000 })
      .toContain("rare_work (1 miner)");
    await page.context().close();
  });

  it("while the next page is read, labels no rows with it and offers no second Next", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    // The second page's answer is held until the test lets it go.
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route(/\/v1\/admin\/miners\?.*after=/, async (route) => {
      await held;
      await route.continue();
    });
    await logIn(page);
    const miners = page.getByRole("region", { name: "Compute miners" });
    const next = miners.getByRole("button", { name: "Next miners" });
    await expect.poll(() => miners.locator("tbody tr").count(), { timeout: 15_000 }).toBe(100);
    await next.click();
    // Before: "miners 101–200, more follow" over miner-000…miner-099, and a Next that skipped a page.
    await miners.getByText("Loading miners").waitFor({ timeout: 15_000 });
    expect(await miners.getByText(/^miners \d/).count()).toBe(0);
    expect(await next.count()).toBe(0);
    expect(await miners.locator("tbody tr").count()).toBe(0);
    release();
    await expect
      .poll(async () => (await miners.locator("tbody td:first-child code").allTextContents()).at(0), {
        timeout: 15_000,
      })
      .toBe(minerId(100));
    expect(await miners.getByText(/^miners \d/).textContent()).toBe("miners 101–200, more follow (in miner id order)");
    await page.context().close();
  });

  it("shows every miner of a coordinator from before paging (no next_after) as one last page", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(`${legacyDashboard.url}/connections`);
    await page.getByLabel("Admin key", { exact: true }).fill("any-admin-key");
    await page.getByRole("button", { name: "Save keys for this tab" }).click();
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    const miners = page.getByRole("region", { name: "Compute miners" });
    await miners.getByRole("table").waitFor();
    await expect.poll(() => miners.locator("tbody tr").count()).toBe(150);
    expect(await miners.getByRole("button", { name: "Next miners" }).count()).toBe(0);
    expect(await miners.getByText(/^miners \d/).count()).toBe(0);
    await shot(page, "miners-legacy", "1-one-page");
    await page.context().close();
  });
});

describe("the fleet timeline", () => {
  it("asks the fleet for the actions only, says the cycles held every miner, and shows a RESTART", async () => {
    for (let cycle = 0; cycle < 3; cycle++) await fleet.cycle();
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const asked: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/ledger/decisions")) asked.push(new URL(request.url()).search);
    });
    await logIn(page);
    await page.getByRole("link", { name: "Fleet", exact: true }).click();
    await page.getByTestId("timeline-empty").waitFor({ timeout: 15_000 });
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((search) => new URLSearchParams(search).get("action") === "RUN,STOP,RESTART")).toBe(true);
    expect(await page.getByTestId("timeline-empty").textContent()).toBe(
      "No actions: 3 cycles, every miner held (HOLD decisions hidden). Show HOLDs",
    );
    await shot(page, "fleet-timeline", "1-every-miner-held");

    await fleet.call("POST", `/operators/${OPERATOR}/miners/sim-003/restart`, { reason: "from the test" });
    await page.getByRole("button", { name: "Run cycle" }).click();
    const timeline = page.getByRole("list", { name: /Decisions and negative proofs/ });
    await expect
      .poll(() => timeline.locator("li").first().textContent(), { timeout: 15_000 })
      .toMatch(/^Decision RESTART sim-003/);
    // Shown HOLDs are every decision (no filter then).
    await page.getByRole("checkbox", { name: "Show HOLD decisions" }).check();
    await expect
      .poll(() => timeline.getByText("HOLD", { exact: true }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    expect(new URLSearchParams(asked.at(-1)).get("action")).toBeNull();
    await page.context().close();
  });
});

describe("Test connections", () => {
  it("names each server's build: its version and the commit it runs from", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page);
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("button", { name: "Test connections" }).click();
    const results = page.getByRole("region", { name: "Connection test" });
    const coordinatorRow = results.locator("li", { has: page.getByText("Coordinator", { exact: true }) });
    await expect
      .poll(() => coordinatorRow.textContent(), { timeout: 15_000 })
      .toMatch(/Coordinator up, version 0\.1\.0 \(commit [0-9a-f]{12}\)$/);
    const fleetRow = results.locator("li", { has: page.getByText("Fleet controller", { exact: true }) });
    expect(await fleetRow.textContent()).toMatch(
      /Fleet controller up, version 0\.1\.0 \(commit [0-9a-f]{12}\), 1 operator$/,
    );
    await page.context().close();
  });
});

describe("Forget keys", () => {
  it("logs out: back to the login screen, with nothing kept in the tab", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page);
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("heading", { name: "Connections", level: 1 }).waitFor();
    await page.getByRole("button", { name: "Forget keys" }).click();
    await page.getByRole("heading", { name: "Log in to Pithead" }).waitFor({ timeout: 5_000 });
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(new URL(page.url()).pathname).not.toBe("/connections");
    await shot(page, "forget-keys", "1-login-screen");
    // A reload stays logged out, and the code logs in again.
    await page.reload();
    await page.getByLabel("Login code").waitFor();
    await logIn(page);
    await page.context().close();
  });

  it("forgets in every open tab: another tab of the dashboard is logged out too, and says why", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const [here, other] = [await context.newPage(), await context.newPage()];
    // Each tab logged in on its own: each keeps its own copy of the keys (sessionStorage).
    await logIn(here);
    await logIn(other);
    await other.getByRole("link", { name: "Fleet", exact: true }).click();
    await other.getByRole("heading", { name: "Fleet", level: 1 }).waitFor();
    await here.getByRole("link", { name: "Connections", exact: true }).click();
    await here.getByRole("button", { name: "Forget keys" }).click();
    await other.getByRole("heading", { name: "Log in to Pithead" }).waitFor({ timeout: 5_000 });
    expect(await other.evaluate(() => sessionStorage.length)).toBe(0);
    expect(await other.getByTestId("forgotten-elsewhere").textContent()).toBe(
      "Logged out: the keys were forgotten in another tab of this dashboard.",
    );
    await shot(other, "forget-keys", "2-other-tab-logged-out");
    // The tab it was pressed in knows why it is logged out: it is not told another tab did it.
    await here.getByLabel("Login code").waitFor();
    expect(await here.getByTestId("forgotten-elsewhere").count()).toBe(0);
    // Logging in again in that tab leaves the first one as it is (logged out) and drops the notice.
    await logIn(other);
    expect(await other.getByTestId("forgotten-elsewhere").count()).toBe(0);
    // The button says what it does before it is pressed.
    await logIn(here);
    await here.getByRole("link", { name: "Connections", exact: true }).click();
    expect(await here.getByTestId("forget-keys-hint").textContent()).toBe(
      "Forget keys logs out every open tab of this dashboard in this browser, not only this one.",
    );
    await context.close();
  });
});

describe("the submit form after a refusal", () => {
  it("drops the coordinator's refusal once the form is edited, and shows it again only for a new refusal", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page);
    const form = page.getByRole("form", { name: "Submit a job" });
    await form.getByLabel("Reward").fill("999999999999");
    await form.getByRole("button", { name: "Submit job" }).click();
    const refusal = form.getByRole("alert");
    await expect
      .poll(() => refusal.textContent(), { timeout: 15_000 })
      .toMatch(/^Not submitted: Coordinator: Wallet browser-client has/);
    await shot(page, "submit-refusal", "1-refused");
    // The reward is what was refused: changed, the refusal is about a form no longer on screen.
    await form.getByLabel("Reward").fill("5");
    expect(await refusal.count()).toBe(0);
    await form.getByLabel("Reward").fill("999999999999");
    await form.getByRole("button", { name: "Submit job" }).click();
    await expect.poll(() => refusal.count(), { timeout: 15_000 }).toBe(1);
    // Any field counts, not only the one refused.
    await form.getByLabel("Prompt").fill("another prompt");
    expect(await refusal.count()).toBe(0);
    await page.context().close();
  });
});

// Last: it moves the coordinator's clock days ahead.
describe("a job whose output the result retention removed", () => {
  it("says so instead of failing to load the result, and still shows the job's ledger evidence", async () => {
    const key = String((await call("/v1/admin/keys", adminKey, { role: "miner", label: "retained" })).key);
    await call("/v1/miner/heartbeat", key, {
      miner_id: "retained-miner",
      wallet: "w-retained",
      mode: "cpu",
      gpu: 0,
      capabilities: { workloads: ["retained_work"] },
    });
    const job = await call("/v1/jobs", clientKey, { workload: "retained_work", reward: 0 });
    await call("/v1/miner/next?miner=retained-miner&slots=1", key);
    const output = "an output kept one day";
    await call("/v1/miner/proof", key, {
      id: job.id,
      output_sha: createHash("sha256").update(output).digest("hex"),
      output,
      metrics: {},
    });
    skewMs = 2 * 86_400_000;
    expect(await call("/v1/admin/sweep", adminKey, {})).toMatchObject({ outputs_removed: 1 });

    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await logIn(page);
    await page.goto(`${dashboard.url}/jobs/${job.id}`);
    await expect
      .poll(() => page.getByText(/^Output removed /).textContent(), { timeout: 15_000 })
      .toMatch(/after the coordinator's result retention \(PITHEAD_RESULT_RETENTION_DAYS\)/);
    await page.getByRole("heading", { name: "Ledger evidence" }).waitFor();
    expect(await page.getByRole("heading", { name: "Output", exact: true }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Retry" }).count()).toBe(0);
    await shot(page, "output-removed", "1-notice");
    await page.context().close();
  });
});
