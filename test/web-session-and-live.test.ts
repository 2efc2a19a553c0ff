// The dashboard in Debian's Chromium against `pithead up`: logging out signs the framed agent
// console out too; the Jobs page keeps refreshing its list and the wallet balance under steady
// traffic, pages the wallets past the first page and marks figures from before a failure; a job
// is canceled from its page; Connections refuses an operator without its secret; stop and restart
// ask once more; a dashboard whose agent is down says so instead of blaming the key. By keyboard,
// focus lands on the new page's heading after logging in or submitting, on Confirm when a command
// asks once more and back after Cancel; at 390×844 a miner's stop confirmation stays inside the
// table's frame; the connection test names a miner key typed as the client key; a revoked key is
// said once on the Jobs page; another machine's bad keys through the dashboard leave this browser's
// new key accepted. Screenshots: artifacts/screenshots/<test>-<step>.png.

import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "@pithead/web";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  laptop,
  launchChromium,
  logIn as logInAs,
  phone,
  type RunningUp,
  screenshot,
  startUp,
  stopAll,
} from "./web-harness.ts";

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

afterAll(() => stopAll(browser, up, dataDir));

const logIn = (target: Page) => logInAs(target, up.facts);

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

/** POST or DELETE on the coordinator with the admin key `pithead up` printed; the answer's JSON. */
async function admin(method: "POST" | "DELETE", path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response =
    method === "POST"
      ? await coordinatorCall(path, up.facts.keys.coordinatorAdmin, body)
      : await fetch(`${up.facts.urls.coordinator}${path}`, {
          method,
          headers: { authorization: `Bearer ${up.facts.keys.coordinatorAdmin}` },
        });
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
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
    // The console's own copy of the key, in this tab's storage, is gone too.
    expect(await page.evaluate(() => sessionStorage.getItem("pithead-agent-api-key"))).toBeNull();
    // Opened alone in this tab, the console is the Agent page (which frames it), logged out.
    await page.goto(`${up.facts.urls.dashboard}/svc/agent/ui`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/agent");
    await page.getByLabel("Login code").waitFor();
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
    const next = wallets.getByRole("button", { name: "Next wallets" });
    const rows = wallets.locator("tbody tr");
    const pinnedNote = "up-client · your client wallet (kept on top; not on this page)";
    // One look at the table: the range line, the top row and the page's own wallets (the pinned
    // client wallet left out).
    const look = async () => ({
      range: await wallets.getByText(/^wallets \d/).textContent(),
      top: await rows.first().textContent(),
      addresses: await rows.filter({ hasNotText: pinnedNote }).locator("code").allTextContents(),
    });
    await expect
      .poll(async () => (await look()).range, { timeout: 15_000 })
      .toBe("wallets 1–100, more follow (in address order)");
    let shown = await look();
    expect(shown.addresses).toHaveLength(100);
    const seen = [...shown.addresses];
    for (let first = 101; (await next.count()) > 0; first += 100) {
      expect(first, "more pages than 206 wallets need").toBeLessThan(500);
      const before = shown.addresses;
      await next.click();
      // Wait for this page's rows (the last page's were once read twice and this page's never).
      await expect
        .poll(async () => (await look()).addresses[0], { timeout: 15_000 })
        .not.toBeOneOf([...before, undefined]);
      shown = await look();
      const more = (await next.count()) > 0;
      expect(shown).toEqual({
        range: `wallets ${first}–${first + shown.addresses.length - 1}, ${more ? "more follow" : "the last"} (in address order)`,
        // Not on this page (it sorts first), the client wallet is still shown, on top.
        top: expect.stringContaining(pinnedNote),
        addresses: [...shown.addresses].sort(),
      });
      if (more) expect(shown.addresses).toHaveLength(100);
      seen.push(...shown.addresses);
    }
    await screenshot(page, "wallets", "1-last-page");
    // Every wallet once, in address order across the pages.
    expect(seen).toEqual([...new Set(seen)].sort());
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
      .toContain("The coordinator is not answering (showing what was loaded before");
    // The message names its service: nothing names it again in front ("Coordinator: The coordinator…").
    expect(await alert.textContent()).not.toContain("Coordinator: ");
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

/** What has keyboard focus: its tag and its accessible name as a person would read it. */
function focused(target: Page): Promise<string> {
  // Source text: it runs in the page, and the repository's tsconfig has no DOM types.
  return target.evaluate<string>(`(() => {
    const element = document.activeElement;
    if (!element) return "none";
    const name = element.getAttribute("aria-label") ?? element.textContent ?? "";
    return element.tagName.toLowerCase() + ": " + name.replace(/\\s+/g, " ").trim();
  })()`);
}

async function logInByKeyboard(target: Page): Promise<void> {
  await target.goto(up.facts.urls.dashboard);
  await target.getByLabel("Login code").focus();
  await target.keyboard.type(up.facts.loginCode);
  await target.keyboard.press("Enter");
  await target.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
}

describe("the dashboard by keyboard", () => {
  // A tab of its own: the shared page is logged in already, and these log in by keyboard.
  let page: Page;
  beforeAll(async () => {
    page = await (await browser.newContext({ viewport: laptop })).newPage();
  });
  afterAll(async () => {
    await page?.context().close();
  });

  it("puts focus on the Jobs heading after logging in, and on the job's heading after submitting by Enter", async () => {
    await logInByKeyboard(page);
    await expect.poll(() => focused(page)).toBe("h1: Jobs");
    await page.getByLabel("Prompt").fill("by keyboard");
    await page.getByRole("button", { name: "Submit job" }).focus();
    await page.keyboard.press("Enter");
    await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
    await expect.poll(() => focused(page)).toMatch(/^h1: Job /);
  });

  it("moves focus onto Confirm when a fleet command asks once more, and back onto the command after Cancel", async () => {
    await page.getByRole("link", { name: "Fleet", exact: true }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("h1: Fleet");
    await page.getByRole("button", { name: "Restart miner sim-003" }).waitFor();
    await page.getByRole("button", { name: "Restart miner sim-003" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("button: Confirm restart sim-003");
    await page.keyboard.press("Tab");
    expect(await focused(page)).toBe("button: Cancel");
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("button: Restart miner sim-003");
    // Asked again and confirmed by Enter alone: the command is sent, and focus comes back once done.
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("button: Confirm restart sim-003");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => page.getByTestId("fleet-message").textContent(), { timeout: 20_000 })
      .toMatch(/^restart sim-003: decision/);
    await expect.poll(() => focused(page)).toBe("button: Restart miner sim-003");
  });

  it("moves focus onto the answer when canceling a job asks once more, back after Keep it, and says why it ended once", async () => {
    const response = await fetch(`${up.facts.urls.coordinator}/v1/jobs`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${up.facts.keys.coordinatorClient}`,
        "content-type": "application/json",
        "idempotency-key": crypto.randomUUID(),
      },
      // No miner of `pithead up` runs this workload: the job waits in the queue to be canceled.
      body: JSON.stringify({ workload: "keyboard_only", params: {}, reward: 1 }),
    });
    expect(response.status).toBe(201);
    const job = (await response.json()) as { id: string };
    await page.goto(`${up.facts.urls.dashboard}/jobs/${job.id}`);
    await expect.poll(() => page.getByTestId("job-state").textContent()).toBe("QUEUED");
    await page.getByRole("button", { name: "Cancel job" }).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("button: Yes, cancel the job");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await expect.poll(() => focused(page)).toBe("button: Cancel job");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.getByTestId("job-state").textContent(), { timeout: 15_000 }).toBe("CANCELED");
    await expect.poll(() => focused(page)).toMatch(/^h1: Job /);
    // The state arrives by the job's event stream first, its error with the job read again.
    await expect.poll(() => page.locator("main").textContent()).toContain("canceled by the client");
    const text = (await page.locator("main").textContent()) ?? "";
    expect(text.split("canceled by the client").length - 1).toBe(1);
    expect(text).not.toContain("CANCELED: canceled");
    await screenshot(page, "keyboard", "1-job-canceled");
  });
});

describe("the dashboard at a phone's width", () => {
  it("keeps Confirm and Cancel of a miner's stop inside the table's frame at 390×844", async () => {
    const context = await browser.newContext({ viewport: phone, isMobile: true, hasTouch: true });
    const small = await context.newPage();
    await logInByKeyboard(small);
    await small.getByRole("link", { name: "Fleet", exact: true }).click();
    await small.getByRole("button", { name: "Stop miner sim-003" }).click();
    const confirm = small.getByRole("button", { name: "Confirm stop sim-003" });
    await confirm.waitFor();
    await screenshot(small, "phone-confirm", "1-stop-asked");
    const frame = await small.locator(".table-wrap").filter({ has: confirm }).boundingBox();
    if (!frame) throw new Error("no table frame");
    const right = Math.min(frame.x + frame.width, phone.width);
    for (const button of [confirm, small.getByRole("button", { name: "Cancel", exact: true })]) {
      const box = await button.boundingBox();
      if (!box) throw new Error("a confirmation button is not shown");
      expect(box.x).toBeGreaterThanOrEqual(frame.x);
      expect(box.x + box.width).toBeLessThanOrEqual(right);
    }
    await context.close();
  });
});

/** Types `key` as the client key on Connections and tests it; the test's line about that key. */
async function testClientKey(target: Page, key: string) {
  await target.goto(`${up.facts.urls.dashboard}/connections`);
  await target.getByLabel("Client key", { exact: true }).fill(key);
  await target.getByRole("button", { name: "Test connections" }).click();
  return target.getByRole("region", { name: "Connection test" }).locator("li", { hasText: "client key" });
}

describe("keys on the Connections page and the Jobs page", () => {
  it("says a miner key typed as the client key is a miner key, not a client key", async () => {
    const miner = await admin("POST", "/v1/admin/keys", { role: "miner", label: "typed-as-client" });
    const line = await testClientKey(page, String(miner.key));
    await expect.poll(() => line.textContent(), { timeout: 15_000 }).toContain("this is a miner key, not a client key");
    expect(await line.getAttribute("class")).toBe("step-bad");
  });

  it("says a revoked key once on the Jobs page, as revoked or from an earlier start", async () => {
    const second = await admin("POST", "/v1/admin/keys", { role: "admin", label: "to-revoke" });
    const tab = await (await browser.newContext({ viewport: laptop })).newPage();
    await tab.goto(`${up.facts.urls.dashboard}/connections`);
    await tab.getByLabel("Admin key", { exact: true }).fill(String(second.key));
    await tab.getByRole("button", { name: "Save keys for this tab" }).click();
    await tab.getByRole("link", { name: "Jobs", exact: true }).click();
    await tab.getByRole("table", { name: "Jobs, newest first" }).waitFor();
    await admin("DELETE", `/v1/admin/keys/${String(second.id)}`);
    const refused = tab.getByRole("alert").filter({ hasText: "was refused" });
    await expect.poll(() => refused.count(), { timeout: 30_000 }).toBeGreaterThan(0);
    // Every panel has had its turn to fail (the miners, wallets and queue are read every 10 s).
    await tab.waitForTimeout(11_000);
    expect(await refused.count()).toBe(1);
    expect(await refused.textContent()).toContain("revoked, or the stack was started again with new keys");
    await screenshot(tab, "revoked", "1-one-alert");
    await tab.context().close();
  });
});

// Last: before the fix it spent the failed-authentication budget of every browser behind the dashboard.
describe("a bad key sent through the dashboard", () => {
  it("spends its sender's budget of failed authentications, not that of another browser typing a new key", async () => {
    // Someone else behind the same dashboard (another machine) sending a bad key until refused.
    const fromElsewhere = () =>
      new Promise<number>((done, fail) => {
        const url = `${up.facts.urls.dashboard}/svc/coordinator/v1/wallet/balance`;
        const call = request(
          url,
          { localAddress: "127.0.0.2", headers: { authorization: "Bearer ph_client_bad" } },
          (answer) => {
            answer.resume();
            answer.on("end", () => done(answer.statusCode ?? 0));
          },
        );
        call.on("error", fail);
        call.end();
      });
    let refusedAfter = 0;
    while ((await fromElsewhere()) !== 429) if (++refusedAfter > 100) throw new Error("never refused");
    expect(refusedAfter).toBe(60);
    // A client key this coordinator has never seen, typed in this browser.
    const fresh = await admin("POST", "/v1/admin/keys", { role: "client", wallet: "fresh-wallet" });
    const tab = await (await browser.newContext({ viewport: laptop })).newPage();
    const line = await testClientKey(tab, String(fresh.key));
    await expect.poll(() => line.textContent(), { timeout: 15_000 }).toContain("accepted: wallet fresh-wallet");
    expect(await line.getAttribute("class")).toBe("step-ok");
    await screenshot(tab, "auth-budget", "1-fresh-key-accepted");
    await tab.context().close();
  });
});
