// The Agent page's Activity panel in Debian's Chromium against `pithead up`'s real agent: requests
// sent to the agent (answered, invalid, with a wrong key, past the wrong-key budget) show up per
// endpoint and by class, with latency and the LLM backend's state; a refused key is said once and
// not sent again; an agent that goes away after the page opened is said, its last figures kept.
// The agent's console alone in a tab (which would hear no "Forget keys") is sent to the Agent page,
// where the dashboard frames it and logs it out with every other tab.
// Screenshots: artifacts/screenshots/<test>-<step>.png.

import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "@pithead/web";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  laptop,
  launchChromium,
  logIn as logInAs,
  type RunningUp,
  screenshot,
  startUp,
  stopAll,
} from "./web-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-activity-"));
const allPortsFree = ["--port", "0", "--coordinator-port", "0", "--agent-port", "0", "--fleet-port", "0"];
let up: RunningUp;
let browser: Browser;
let distDir = "";

beforeAll(async () => {
  distDir = (await ensureDashboardBuilt()).distDir;
  [up, browser] = await Promise.all([startUp(["--data", dataDir, "--miners", "2", ...allPortsFree]), launchChromium()]);
}, 180_000);

afterAll(() => stopAll(browser, up, dataDir));

const logIn = (target: Page) => logInAs(target, up.facts);

/** POST /complete straight to the agent, as the network calls it; the answer's status. */
async function complete(key: string, body: unknown): Promise<number> {
  const response = await fetch(`${up.facts.urls.agent}/complete`, {
    method: "POST",
    headers: { "x-api-key": key, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

/** The cells of the endpoint's row in the panel's per-endpoint table, by column name. */
async function endpointRow(page: Page, endpoint: string): Promise<Record<string, string>> {
  const table = page.getByRole("table", { name: "Requests per endpoint" });
  if ((await table.count()) === 0) return {};
  const headers = await table.locator("thead th").allTextContents();
  const row = table.locator("tbody tr", { has: page.getByRole("rowheader", { name: endpoint, exact: true }) });
  if ((await row.count()) === 0) return {};
  const cells = await row.locator("th, td").allTextContents();
  return Object.fromEntries(headers.map((header, index) => [header.trim(), (cells[index] ?? "").trim()]));
}

/** The recent errors list, summed per endpoint and status ("POST /complete 403" → requests). */
async function recentErrors(page: Page): Promise<Record<string, number>> {
  const table = page.getByRole("table", { name: "Recent errors" });
  if ((await table.count()) === 0) return {};
  const sums: Record<string, number> = {};
  for (const row of await table.locator("tbody tr").all()) {
    const [, endpoint, status, count] = (await row.locator("th, td").allTextContents()).map((text) => text.trim());
    const key = `${endpoint} ${status?.split(" ")[0]}`;
    sums[key] = (sums[key] ?? 0) + Number(count);
  }
  return sums;
}

describe("the Agent page's Activity panel", () => {
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: laptop });
    page = await context.newPage();
  });

  it("counts what the agent answered since the page opened, per endpoint and by class", async () => {
    await logIn(page);
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    const panel = page.getByRole("region", { name: "Activity" });
    await panel.getByTestId("card requests").waitFor({ timeout: 20_000 });
    // Whatever the agent answered before the page opened is not counted.
    expect(await endpointRow(page, "POST /complete")).toEqual({});

    const key = up.facts.keys.agent;
    const valid = { cid: "activity-e2e", task: "Continue the alphabet", input: [{ user_query: "abc" }] };
    const sent: number[] = [];
    for (let i = 0; i < 2; i += 1) sent.push(await complete(key, valid));
    for (let i = 0; i < 3; i += 1) sent.push(await complete(key, { cid: "activity-e2e" }));
    // The agent's wrong-key budget is 10 a minute per address: the 11th and 12th answer 429.
    for (let i = 0; i < 12; i += 1) sent.push(await complete("not-the-agent-key", valid));
    const byStatus = (status: number) => sent.filter((one) => one === status).length;
    expect([byStatus(200), byStatus(422), byStatus(403), byStatus(429)]).toEqual([2, 3, 10, 2]);

    await expect
      .poll(() => endpointRow(page, "POST /complete"), { timeout: 20_000 })
      .toMatchObject({
        Requests: "17",
        "2xx": "2",
        "4xx": "15",
        "key refused": "10",
        invalid: "3",
        "429": "2",
        "5xx": "0",
      });
    const row = await endpointRow(page, "POST /complete");
    // Latency from the agent's histogram: the tiny model's answers and the refusals, so something.
    expect(row.p50).not.toBe("—");
    expect(row.p95).not.toBe("—");
    await expect.poll(() => panel.getByTestId("card 429 limited").textContent()).toBe("429 limited2");
    await expect.poll(() => panel.getByTestId("card 5xx").textContent()).toBe("5xx0");
    await expect
      .poll(() => recentErrors(page))
      .toEqual({ "POST /complete 429": 2, "POST /complete 422": 3, "POST /complete 403": 10 });
    // The answered /complete calls went through the model: the backend was seen working.
    expect(await panel.getByTestId("backend-state").textContent()).toBe("ok");
    // The panel's own reads are not the network's traffic.
    expect(await endpointRow(page, "GET /metrics")).toEqual({});
    await screenshot(page, "agent-activity", "1-counted");
  });

  it("says the key was refused, once, and stops reading until the key changes", async () => {
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByLabel("Agent API key", { exact: true }).fill("a-key-the-agent-never-issued");
    await page.getByRole("button", { name: "Save keys for this tab" }).click();
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    const panel = page.getByRole("region", { name: "Activity" });
    await expect
      .poll(() => panel.getByRole("alert").first().textContent(), { timeout: 20_000 })
      .toContain("The agent refused this tab's key");
    // Refused with 403 (wrong key) or, this address's wrong-key budget being spent by the first
    // test's wrong keys, 429: either way said as a refused key, once, and not read again.
    expect(await panel.getByRole("alert").count()).toBe(1);
    expect(await panel.getByRole("alert").textContent()).toMatch(/Invalid API key|too many wrong keys/);
    // /health needs no key: the backend's state is still shown.
    expect(await panel.getByTestId("backend-state").textContent()).toBe("ok");
    await screenshot(page, "agent-activity", "2-key-refused");
    // Not read again with the refused key: two read intervals pass without a request for /metrics.
    const reads: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().endsWith("/svc/agent/metrics")) reads.push(request.url());
    };
    page.on("request", onRequest);
    await page.waitForTimeout(11_000);
    page.off("request", onRequest);
    expect(reads).toEqual([]);
    // The right key again: reading resumes, with the counts since the page opened.
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByLabel("Agent API key", { exact: true }).fill(up.facts.keys.agent);
    await page.getByRole("button", { name: "Save keys for this tab" }).click();
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    await panel.getByTestId("card requests").waitFor({ timeout: 20_000 });
    expect(await panel.getByRole("alert").count()).toBe(0);
  });

  it("sends the agent's console opened alone in a tab to the Agent page, where Forget keys logs it out", async () => {
    const other = await context.newPage();
    await logIn(other);
    await other.getByRole("link", { name: "Agent", exact: true }).click();
    const framed = other.frameLocator('iframe[title="Agent test console"]');
    await expect
      .poll(() => framed.locator("#key-state").textContent(), { timeout: 20_000 })
      .toBe("key set for this tab");
    // Opened alone, the console would hold the key this tab handed it, deaf to the other tabs.
    await other.goto(`${up.facts.urls.dashboard}/svc/agent/ui`);
    await expect.poll(() => new URL(other.url()).pathname).toBe("/agent");
    await expect
      .poll(() => framed.locator("#key-state").textContent(), { timeout: 20_000 })
      .toBe("key set for this tab");
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("button", { name: "Forget keys" }).click();
    await expect
      .poll(() => other.evaluate(() => sessionStorage.getItem("pithead-agent-api-key")), { timeout: 10_000 })
      .toBeNull();
    await other.getByLabel("Login code").waitFor();
    expect(await other.locator('iframe[title="Agent test console"]').count()).toBe(0);
    await screenshot(other, "agent-activity", "3-console-tab-logged-out");
    await other.close();
  });
});

describe("an Activity panel whose agent goes away", () => {
  // A stand-in agent speaking the real agent's /health and /metrics, which this test can stop.
  let agent: Server;
  let dashboard: RunningDashboard;
  let page: Page;
  const metrics = [
    "# TYPE pithead_agent_http_requests_total counter",
    'pithead_agent_http_requests_total{method="POST",route="/complete",status="200"} 5',
  ].join("\n");

  beforeAll(async () => {
    agent = createServer((request, response) => {
      if (request.url === "/health") {
        response.writeHead(200, { "content-type": "application/json" });
        response.end(JSON.stringify({ status: "healthy", model: "stand-in", llm: { status: "unknown" } }));
      } else if (request.url === "/metrics" && request.headers["x-api-key"] === "stand-in-key") {
        response.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        response.end(metrics);
      } else {
        response.writeHead(404, { "content-type": "application/json" });
        response.end(JSON.stringify({ detail: "Not Found" }));
      }
    });
    await new Promise<void>((done) => agent.listen(0, "127.0.0.1", done));
    const { port } = agent.address() as { port: number };
    dashboard = await startDashboard({
      distDir,
      port: 0,
      logger: false,
      upstreams: { agent: `http://127.0.0.1:${port}` },
    });
    page = await (await browser.newContext({ viewport: laptop })).newPage();
  });

  afterAll(async () => {
    await dashboard?.close();
    agent?.closeAllConnections();
    await new Promise((done) => agent?.close(done));
  });

  it("says the agent is not answering and keeps the last figures, with their time", async () => {
    await page.goto(`${dashboard.url}/connections`);
    await page.getByLabel("Agent API key", { exact: true }).fill("stand-in-key");
    await page.getByRole("button", { name: "Save keys for this tab" }).click();
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    const panel = page.getByRole("region", { name: "Activity" });
    await panel.getByTestId("card requests").waitFor({ timeout: 20_000 });
    expect(await panel.getByTestId("backend-state").textContent()).toBe("unknown");
    agent.closeAllConnections();
    await new Promise((done) => agent.close(done));
    await expect
      .poll(() => panel.getByRole("alert").first().textContent(), { timeout: 20_000 })
      .toMatch(
        /^The agent API is not answering \(ECONNREFUSED\)\. Reading again every 5 s\. The figures below are from \d\d:\d\d:\d\d UTC\./,
      );
    expect(await panel.getByTestId("card requests").textContent()).toBe("requests0");
    await screenshot(page, "agent-activity", "4-agent-gone");
  });
});
