// A job's page in Debian's Chromium against a real coordinator with one miner online (llm_gen, 8 GB):
// a job for a workload no online miner runs says it will wait (before: the page showed it QUEUED
// and nothing more, so an operator waited on a job nothing would take); so does one whose
// constraints no online miner meets, naming the constraint (before: the page's own check looked at
// the workload only and said nothing); a job a miner runs says nothing; a dashboard holding only a
// client key shows the coordinator's warning too, with no other tenant's miner named (before: it
// could not list miners and said nothing). And the Ledger page's "Check proof" buttons say what they check and of which
// record (before: "Check the inclusion proof of record 7", a name without the words shown, so
// "Check proof" found no button by voice or by role).
// Screenshots: artifacts/screenshots/job-waiting-<step>.png.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../src/index.ts";
import { launchChromium } from "./support/chromium.ts";

const CODE = "W41T-J0BS";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-waiting-"));
let coordinator: RunningCoordinator;
let dashboard: RunningDashboard;
let clientOnly: RunningDashboard;
let browser: Browser;
let adminKey = "";
let clientKey = "";

async function call(path: string, key: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${coordinator.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

const submit = async (workload: string, constraints: Record<string, unknown> = {}) =>
  String(
    (await call("/v1/jobs", clientKey, { workload, params: { prompt: "abc", max_tokens: 4 }, reward: 0, constraints }))
      .id,
  );

beforeAll(async () => {
  const [built] = await Promise.all([
    ensureDashboardBuilt(),
    (async () => {
      coordinator = await startCoordinator({
        env: {},
        config: {
          dataDir,
          db: { kind: "sqlite", path: join(dataDir, "coordinator.db") },
          port: 0,
          host: "127.0.0.1",
          rateLimitPerMinute: 0,
        },
        logger: false,
        sweeper: false,
      });
      adminKey = coordinator.generatedAdminKey ?? coordinator.config.adminKey ?? "";
      clientKey = String((await call("/v1/admin/keys", adminKey, { role: "client", wallet: "waiting-client" })).key);
      const minerKey = String((await call("/v1/admin/keys", adminKey, { role: "miner", label: "gpu-0" })).key);
      await call("/v1/miner/heartbeat", minerKey, {
        miner_id: "gpu-0",
        wallet: "w-gpu-0",
        mode: "cpu",
        gpu: 0,
        capabilities: { workloads: ["llm_gen"], limits: { vram_mb: 8192 } },
      });
    })(),
  ]);
  const url = coordinator.url;
  [dashboard, clientOnly, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { coordinator: url },
      login: { code: CODE, bundle: { coordinator: { url, adminKey, clientKey, clientWallet: "waiting-client" } } },
    }),
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { coordinator: url },
      login: { code: CODE, bundle: { coordinator: { url, clientKey, clientWallet: "waiting-client" } } },
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await clientOnly?.close();
  await coordinator?.app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `job-waiting-${step}.png`), fullPage: true });
}

/** A tab logged in to `on`, on the Jobs page. */
async function logIn(on: RunningDashboard): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(on.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
  return page;
}

/** Opens the page of job `id` in `page`, once its facts are shown. */
async function openJob(page: Page, on: RunningDashboard, id: string): Promise<void> {
  await page.goto(`${on.url}/jobs/${id}`);
  await page.getByRole("definition").filter({ hasText: id }).first().waitFor();
}

/** Logged in to `on`, on the page of job `id`. */
async function jobPage(on: RunningDashboard, id: string): Promise<Page> {
  const page = await logIn(on);
  await openJob(page, on, id);
  return page;
}

const warning = (page: Page) => page.getByTestId("job-waiting-warning");

describe("a job's page, when no online miner can take the job", () => {
  it("warns that the job waits in the queue until a miner runs it or its slots expire", async () => {
    const page = await jobPage(dashboard, await submit("rare_work"));
    await expect
      .poll(() => warning(page).textContent(), { timeout: 15_000 })
      .toMatch(/^No online miner offers rare_work now \(online miners offer llm_gen\): the job is queued/);
    expect(await page.getByRole("status").filter({ hasText: "No online miner offers rare_work" }).count()).toBe(1);
    await shot(page, "1-warned");
    await page.context().close();
  });

  it("names the constraint no online miner meets, with the largest value online", async () => {
    const page = await jobPage(dashboard, await submit("llm_gen", { min_vram_mb: 24000 }));
    await expect
      .poll(() => warning(page).textContent(), { timeout: 15_000 })
      .toContain("none meets the job's constraints: needs min_vram_mb 24000 (the largest online is 8192)");
    await shot(page, "2-constraint");
    await page.context().close();
  });

  it("says nothing for a job an online miner runs", async () => {
    const page = await logIn(dashboard);
    const id = await submit("llm_gen");
    // The warning comes with the job: once its page shows the job, a warning would be there too.
    await openJob(page, dashboard, id);
    expect(await page.getByTestId("job-state").textContent()).toBe("QUEUED");
    expect(await warning(page).count()).toBe(0);
    await page.context().close();
  });

  it("shows the coordinator's warning with a client key alone, naming no miner", async () => {
    const page = await jobPage(clientOnly, await submit("llm_gen", { min_vram_mb: 24000 }));
    expect(await page.getByTestId("job-state").textContent()).toBe("QUEUED");
    await expect.poll(() => warning(page).textContent(), { timeout: 15_000 }).toContain("min_vram_mb 24000");
    expect(await warning(page).textContent()).not.toContain("gpu-0");
    expect(await page.getByRole("alert").count()).toBe(0);
    await shot(page, "3-client-key");
    await page.context().close();
  });
});

describe("the Ledger page's proof buttons", () => {
  it("are named by the words they show, then what they check and of which record", async () => {
    // A signed checkpoint to check the proofs against (the coordinator signs one shortly after a write).
    await expect
      .poll(async () => (await fetch(`${coordinator.url}/v1/ledger/checkpoint`)).status, { timeout: 30_000 })
      .toBe(200);
    const page = await logIn(dashboard);
    await page.getByRole("navigation").getByRole("link", { name: "Ledger" }).click();
    const records = page.getByRole("list", { name: /^Records/ });
    await records.waitFor();
    const buttons = records.getByRole("button", { name: /^Check proof/ });
    expect(await buttons.count()).toBeGreaterThan(0);
    const seq = ((await records.locator(".record-seq").last().textContent()) ?? "").replace("#", "");
    const type = (await records.locator(".record-head code").last().textContent()) ?? "";
    const button = records.getByRole("button", {
      name: `Check proof that record ${seq} (${type}) is in the ledger`,
      exact: true,
    });
    expect(await button.count()).toBe(1);
    await button.click();
    await shot(page, "4-proof");
    // The oldest record, under every checkpoint: its proof checks out.
    await expect.poll(() => page.getByText(`Inclusion of record ${seq}: valid`).count(), { timeout: 15_000 }).toBe(1);
    await page.context().close();
  });
});
