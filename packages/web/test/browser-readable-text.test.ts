// What the dashboard shows reads as text, in Debian's Chromium against a real coordinator: a job's
// metrics that are names (the model, why it finished) without JSON quotes, commands set as code
// rather than in Markdown backticks, an error's "Try again" apart from its message, and the client
// wallet's row highlighted whole at a phone's width. Before: `"pithead-tiny-260"`, "`pithead up`",
// "ECONNREFUSEDTry again", and a white first cell in a blue row.
// Screenshots: artifacts/screenshots/readable-text-<step>.png.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type RunningCoordinator, startCoordinator } from "@pithead/coordinator";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../src/index.ts";
import { launchChromium } from "./support/chromium.ts";

const CODE = "R3AD-T3XT";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-readable-"));
let coordinator: RunningCoordinator;
let adminKey = "";
let clientKey = "";
let jobId = "";
let dashboard: RunningDashboard;
/** In front of a coordinator address nothing listens on. */
let downDashboard: RunningDashboard;
let browser: Browser;

async function call(path: string, key: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${coordinator.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** The DOM as far as these tests read it (they type-check without the DOM library). */
type Styles = { getComputedStyle(element: unknown): { backgroundColor: string } };

/** A port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

beforeAll(async () => {
  const built = await ensureDashboardBuilt();
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
  clientKey = String((await call("/v1/admin/keys", adminKey, { role: "client", wallet: "readable-client" })).key);
  // A job a miner ran, with metrics as a miner reports them: numbers and names.
  const minerKey = String((await call("/v1/admin/keys", adminKey, { role: "miner", label: "readable" })).key);
  await call("/v1/miner/heartbeat", minerKey, {
    miner_id: "readable-miner",
    wallet: "w-readable",
    mode: "cpu",
    gpu: 0,
    capabilities: { workloads: ["llm_gen"] },
  });
  const job = await call("/v1/jobs", clientKey, { workload: "llm_gen", params: { prompt: "abc" }, reward: 0 });
  jobId = String(job.id);
  await call("/v1/miner/next?miner=readable-miner&slots=1", minerKey);
  const output = "defgh";
  await call("/v1/miner/proof", minerKey, {
    id: jobId,
    output_sha: createHash("sha256").update(output).digest("hex"),
    output,
    metrics: { tokens: 5, model: "pithead-tiny-260", finish_reason: "length" },
  });
  const bundle = { coordinator: { url: coordinator.url, adminKey, clientKey, clientWallet: "readable-client" } };
  const down = `http://127.0.0.1:${await closedPort()}`;
  [dashboard, downDashboard, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { coordinator: coordinator.url },
      login: { code: CODE, bundle },
    }),
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { coordinator: down },
      login: { code: CODE, bundle: { coordinator: { ...bundle.coordinator, url: down } } },
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await downDashboard?.close();
  await coordinator?.app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function shot(page: Page, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `readable-text-${step}.png`), fullPage: true });
}

async function logIn(url: string, viewport = { width: 1280, height: 800 }): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
  return page;
}

describe("text the dashboard shows", () => {
  it("shows a job's metrics that are names as plain text, numbers as numbers", async () => {
    const page = await logIn(dashboard.url);
    await page.goto(`${dashboard.url}/jobs/${jobId}`);
    const metrics = page.getByRole("region", { name: "Metrics" });
    await metrics.getByText("model").waitFor();
    const value = (name: string) => metrics.getByText(name, { exact: true }).locator("xpath=../dd").textContent();
    expect(await value("model")).toBe("pithead-tiny-260");
    expect(await value("finish_reason")).toBe("length");
    expect(await value("tokens")).toBe("5");
    await shot(page, "1-metrics");
    await page.context().close();
  });

  it("sets commands as code on the Connections, Fleet and Agent pages, without Markdown backticks", async () => {
    const page = await logIn(dashboard.url);
    await page.getByRole("navigation").getByRole("link", { name: "Connections" }).click();
    const note = page.getByText(/These keys came with the login code of/);
    expect(await note.textContent()).toBe(
      "These keys came with the login code of pithead up. They stay in this tab only.",
    );
    expect(await note.locator("code").textContent()).toBe("pithead up");
    // This dashboard has no fleet controller nor agent: their pages say which flag adds one.
    for (const [link, text] of [
      ["Fleet", "This dashboard was started without a fleet controller (pass --fleet URL to pithead web)."],
      ["Agent", "This dashboard was started without an agent API (pass --agent URL to pithead web)."],
    ] as const) {
      await page.getByRole("navigation").getByRole("link", { name: link }).click();
      expect(await page.getByText(/^This dashboard was started without/).textContent()).toBe(text);
    }
    await page.context().close();
  });

  it("keeps an error's Try again apart from the message when the coordinator is down", async () => {
    const page = await logIn(downDashboard.url);
    const queue = page.getByRole("alert").filter({ hasText: "is not answering" }).first();
    await queue.waitFor({ timeout: 15_000 });
    expect(await queue.innerText()).toMatch(/is not answering: \S+ Try again$/);
    // Named once: before, "Coordinator: The coordinator (http://…) is not answering".
    expect((await queue.innerText()).match(/coordinator/gi)).toHaveLength(1);
    await shot(page, "2-coordinator-down");
    await page.context().close();
  });

  it("highlights the client wallet's whole row at a phone's width, its sticky first cell too", async () => {
    const page = await logIn(dashboard.url, { width: 390, height: 844 });
    const row = page.getByRole("row", { name: /your client wallet/ });
    await row.waitFor();
    const colours = await row
      .locator("th, td")
      .evaluateAll((cells) =>
        cells.map((cell) => (globalThis as unknown as Styles).getComputedStyle(cell).backgroundColor),
      );
    const rowColour = await row.evaluate(
      (tr) => (globalThis as unknown as Styles).getComputedStyle(tr).backgroundColor,
    );
    expect(colours.length).toBeGreaterThan(1);
    // Every cell is either transparent (the row's colour shows) or the row's own colour.
    for (const colour of colours) expect(["rgba(0, 0, 0, 0)", rowColour]).toContain(colour);
    await shot(page, "3-phone-wallets");
    await page.context().close();
  });
});
