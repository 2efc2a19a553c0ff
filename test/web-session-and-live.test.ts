// The dashboard in Debian's Chromium against `pithead up`: logging out signs the framed agent
// console out too; the Jobs page keeps refreshing its list and the wallet balance under steady
// traffic, pages the wallets past the first page and marks figures from before a failure; a job
// is canceled from its page; Connections refuses an operator without its secret; stop and restart
// ask once more; a dashboard whose agent is down says so instead of blaming the key. Screenshots: artifacts/screenshots/<test>-<step>.png.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "@pithead/web";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { laptop, launchChromium, type RunningUp, screenshot, startUp } from "./web-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-web-live-"));
const allPortsFree = ["--port", "0", "--coordinator-port", "0", "--agent-port", "0", "--fleet-port", "0"];
let up: RunningUp;
let browser: Browser;
let page: Page;
let distDir = "";

beforeAll(async () => {
  distDir = (await ensureDashboardBuilt()).distDir;
  [up, browser] = await Promise.all([startUp(["--data", dataDir, "--miners", "4", ...allPortsFree]), launchChromium()]);
  page = await (await browser.newContext({ viewport: laptop })).newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (up?.child.exitCode === null) await up.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

async function logIn(target: Page): Promise<void> {
  await target.goto(up.facts.urls.dashboard);
  await target.getByLabel("Login code").fill(up.facts.loginCode);
  await target.getByRole("button", { name: "Log in" }).click();
  await target.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
}

/** The coordinator's API as a script calls it, with the keys `pithead up` printed. */
function coordinatorCall(path: string, key: string, body?: unknown): Promise<Response> {
  return fetch(`${up.facts.urls.coordinator}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { "content-type": "application/json", "idempotency-key": crypto.randomUUID() }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe("the dashboard's session and live pages", () => {
  it("forgets the agent console's key on logout: the framed console is signed out too", async () => {
    await logIn(page);
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    const agentConsole = page.frameLocator('iframe[title="Agent test console"]');
    await expect
      .poll(() => agentConsole.locator("#key-state").textContent(), { timeout: 20_000 })
      .toBe("key set for this tab");
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("button", { name: "Forget keys" }).click();
    await expect.poll(() => page.evaluate(() => sessionStorage.length)).toBe(0);
    // The console itself, in this tab: it no longer holds a key.
    await page.goto(`${up.facts.urls.dashboard}/svc/agent/ui`);
    await expect
      .poll(() => page.locator("#key-state").textContent(), { timeout: 10_000 })
      .not.toBe("key set for this tab");
    await screenshot(page, "logout", "1-console-signed-out");
  });

  it("refuses to save a fleet operator without its secret, naming the field", async () => {
    await logIn(page);
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByRole("button", { name: "Add operator" }).click();
    await page.getByLabel("Operator id").last().fill("second");
    await page.getByRole("button", { name: "Save keys for this tab" }).click();
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toBe(
        "Not saved: Fleet operator second: Operator secret is empty; enter the operator's secret, or remove the row.",
      );
    await screenshot(page, "connections", "1-no-secret-refused");
    // Nothing was saved: the stored operators are still the one the login code gave.
    const stored = await page.evaluate(() => sessionStorage.getItem("pithead-dashboard-connections") ?? "");
    expect(stored).not.toContain('"second"');
  });

  it("refreshes the job list and the wallet balance while events arrive every 150 ms", async () => {
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    const balanceLine = page.getByText(/^Your wallet up-client: balance/);
    await balanceLine.waitFor();
    const balanceBefore = await balanceLine.textContent();
    // The stack's miner runs llm_gen only: torch_bench jobs stay queued, each one an event and an escrow.
    let submitting = true;
    const submitted: string[] = [];
    const traffic = (async () => {
      while (submitting) {
        const answer = await coordinatorCall("/v1/jobs", up.facts.keys.coordinatorClient, {
          workload: "torch_bench",
          params: {},
          reward: 1,
        });
        submitted.push(((await answer.json()) as { id: string }).id);
        await new Promise((done) => setTimeout(done, 150));
      }
    })();
    try {
      await expect.poll(() => submitted.length, { timeout: 10_000 }).toBeGreaterThan(10);
      // A job submitted well into the traffic shows up in the list while the traffic goes on.
      const later = submitted[10] as string;
      await expect.poll(() => page.getByRole("link", { name: `Job ${later}` }).count(), { timeout: 15_000 }).toBe(1);
      await expect.poll(() => balanceLine.textContent(), { timeout: 15_000 }).not.toBe(balanceBefore);
      expect(submitting).toBe(true);
      await screenshot(page, "live-jobs", "1-refreshed-under-traffic");
    } finally {
      submitting = false;
      await traffic;
    }
  });

  it("pages the wallets past the first page, keeping the client wallet on top", async () => {
    for (let index = 0; index < 205; index++) {
      const address = `wallet-${String(index).padStart(3, "0")}`;
      const funded = await coordinatorCall(`/v1/admin/wallets/${address}/fund`, up.facts.keys.coordinatorAdmin, {
        amount: 1,
      });
      expect(funded.status).toBe(200);
    }
    await page.reload();
    const wallets = page.getByRole("region", { name: "Wallets" });
    await wallets.getByRole("table").waitFor();
    const seen = new Set<string>();
    const collect = async () => {
      for (const code of await wallets.locator("tbody code").allTextContents()) seen.add(code);
    };
    await collect();
    for (
      let pageNo = 0;
      pageNo < 5 && (await wallets.getByRole("button", { name: "Next wallets" }).count());
      pageNo++
    ) {
      await wallets.getByRole("button", { name: "Next wallets" }).click();
      await expect.poll(() => wallets.getByText(/wallets \d+–\d+/).textContent()).toMatch(/wallets [1-9]\d{2}–/);
      await collect();
      // Not on this page (it sorts first), the client wallet is still shown, on top.
      await expect
        .poll(() => wallets.locator("tbody tr").first().textContent())
        .toContain("up-client · your client wallet (kept on top; not on this page)");
    }
    await screenshot(page, "wallets", "1-last-page");
    for (let index = 0; index < 205; index++) expect(seen).toContain(`wallet-${String(index).padStart(3, "0")}`);
    expect(seen).toContain("up-client");
  });

  it("shows figures loaded before a failure as such when the coordinator stops answering", async () => {
    const tab = await (await browser.newContext({ viewport: laptop })).newPage();
    // No event stream (as when the coordinator went away), so the page reads the list every 10 s.
    await tab.route("**/svc/coordinator/v1/events", (route) => route.abort());
    await logIn(tab);
    const jobsTable = tab.getByRole("table", { name: "Jobs, newest first" });
    await jobsTable.waitFor();
    await tab.route("**/svc/coordinator/v1/jobs?**", (route) =>
      route.fulfill({
        status: 502,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "UPSTREAM_UNAVAILABLE", message: "The coordinator is not answering" } }),
      }),
    );
    const alert = tab.getByRole("region", { name: "Jobs", exact: true }).getByRole("alert");
    await expect
      .poll(() => alert.textContent(), { timeout: 20_000 })
      .toContain("Coordinator: The coordinator is not answering (showing what was loaded before");
    expect(await jobsTable.count()).toBe(1);
    await screenshot(tab, "stale", "1-jobs-marked");
    await tab.context().close();
  });

  it("cancels a job from its page after asking once more", async () => {
    const queued = (await (
      await coordinatorCall("/v1/jobs", up.facts.keys.coordinatorClient, {
        workload: "torch_bench",
        params: {},
        reward: 1,
      })
    ).json()) as { id: string };
    await page.goto(`${up.facts.urls.dashboard}/jobs/${queued.id}`);
    await expect.poll(() => page.getByTestId("job-state").textContent()).toBe("QUEUED");
    await page.getByRole("button", { name: "Cancel job" }).click();
    await page.getByRole("button", { name: "Yes, cancel the job" }).click();
    await expect.poll(() => page.getByTestId("job-state").textContent(), { timeout: 15_000 }).toBe("CANCELED");
    expect(await page.getByRole("button", { name: "Cancel job" }).count()).toBe(0);
  });

  it("asks once more before stopping or restarting a miner, with the buttons in view on a laptop", async () => {
    await page.getByRole("link", { name: "Fleet", exact: true }).click();
    const table = page.getByRole("table", { name: "Miners of the operator" });
    await table.waitFor();
    // The commands sit near the miner's name: in the table's frame without scrolling it sideways.
    const inView = await page.getByRole("button", { name: "Restart miner sim-001" }).evaluate((button) => {
      type Box = { getBoundingClientRect(): { right: number } };
      const frame = (button as unknown as { closest(selector: string): Box }).closest(".table-wrap");
      return (button as unknown as Box).getBoundingClientRect().right <= frame.getBoundingClientRect().right;
    });
    expect(inView).toBe(true);
    await page.getByRole("button", { name: "Stop miner sim-001" }).click();
    const confirm = page.getByRole("button", { name: "Confirm stop sim-001" });
    await confirm.waitFor();
    expect(await page.getByTestId("fleet-message").count()).toBe(0);
    await screenshot(page, "fleet-confirm", "1-asked");
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    expect(await confirm.count()).toBe(0);
    await page.getByRole("button", { name: "Restart miner sim-002" }).click();
    await page.getByRole("button", { name: "Confirm restart sim-002" }).click();
    await expect
      .poll(() => page.getByTestId("fleet-message").textContent(), { timeout: 20_000 })
      .toMatch(/^restart sim-002: decision/);
    // On the timeline, who asked is said once.
    const entry = page
      .getByRole("list", { name: /Decisions and negative proofs/ })
      .locator("li", { hasText: "MANUAL_COMMAND" })
      .first();
    await entry.waitFor({ timeout: 20_000 });
    expect(((await entry.textContent()) ?? "").split("operator:default").length - 1).toBe(1);
  });
});

describe("a dashboard whose agent API is down", () => {
  let dashboard: RunningDashboard;
  let agentUrl = "";

  beforeAll(async () => {
    // A port that was free a moment ago: nothing answers on it.
    const probe = createServer();
    await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
    agentUrl = `http://127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise<void>((done) => probe.close(() => done()));
    dashboard = await startDashboard({ distDir, port: 0, logger: false, upstreams: { agent: agentUrl } });
  });

  afterAll(async () => {
    await dashboard?.close();
  });

  it("says the agent is not answering, not that the console refused the key", async () => {
    const tab = await (await browser.newContext({ viewport: laptop })).newPage();
    await tab.goto(`${dashboard.url}/connections`);
    await tab.getByLabel("Agent API key", { exact: true }).fill("some-key");
    await tab.getByRole("button", { name: "Save keys for this tab" }).click();
    await tab.getByRole("link", { name: "Agent", exact: true }).click();
    await expect
      .poll(() => tab.getByRole("alert").first().textContent(), { timeout: 15_000 })
      .toContain(`Agent API (${agentUrl}) is not answering`);
    expect(await tab.getByText("did not take the key").count()).toBe(0);
    expect(await tab.locator('iframe[title="Agent test console"]').count()).toBe(0);
    await screenshot(tab, "agent-down", "1-not-answering");
    await tab.context().close();
  });
});
