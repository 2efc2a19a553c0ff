// The test console in a real browser: Debian's Chromium through playwright-core loads /ui, the
// user types the key, sends /complete and sees the answer with its time. The dashboard frames it
// through its proxy (same-origin), so no other site may frame it unless UI_FRAME_ANCESTORS names it.

import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Frame, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestAgent, TEST_KEY, type TestAgent } from "./support/agent-harness.ts";
import { type FakeOpenAi, startFakeOpenAi } from "./support/fake-openai.ts";

const ANSWER = "Quantum computers use qubits, which can hold 0 and 1 at once.";

let fake: FakeOpenAi;
let agent: TestAgent;
let browser: BrowserContext;
let userDataDir: string;
let embedder: Server;

beforeAll(async () => {
  fake = await startFakeOpenAi();
  fake.fallback = () => ({ text: JSON.stringify({ immediate_response: ANSWER, notebook: "no update" }) });
  agent = await startTestAgent({ LLM_PROVIDER: "openai", OPENAI_BASE_URL: fake.baseUrl, OPENAI_MODEL: "fake-model" });
  userDataDir = mkdtempSync(join(tmpdir(), "pithead-agent-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
    ],
  });
  // Another origin (another port) that frames the console it is given.
  embedder = createServer((request, response) => {
    const target = new URL(request.url ?? "/", "http://x").searchParams.get("frame") ?? "";
    response.writeHead(200, { "content-type": "text/html" });
    response.end(
      `<!doctype html><title>another site</title><iframe id="agent" src="${target}" width="1000" height="800"></iframe>`,
    );
  });
  await new Promise<void>((resolve) => embedder.listen(0, "127.0.0.1", resolve));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  embedder?.close();
  await agent?.agent.close();
  await fake?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

async function sendComplete(target: Page | Frame): Promise<void> {
  await target.getByTestId("api-key").fill(TEST_KEY);
  await target.getByRole("button", { name: "Use key" }).click();
  const panel = target.locator("#panel-complete");
  await panel.getByTestId("task").fill("Explain quantum computing");
  await panel.getByTestId("queries").fill("What is quantum computing in simple terms?");
  await panel.getByTestId("send").click();
  await panel.getByTestId("immediate-response").waitFor({ timeout: 15_000 });
}

describe("the test console in Chromium", () => {
  it("sends /complete with the typed key and shows the answer, the notebook and the time", async () => {
    const page = await browser.newPage();
    const failedRequests: string[] = [];
    page.on("requestfailed", (request) => failedRequests.push(request.url()));
    await page.goto(`${agent.url}/ui`);
    await expect.poll(() => page.getByTestId("health-badge").textContent()).toContain("healthy");
    await sendComplete(page);

    const panel = page.locator("#panel-complete");
    expect(await panel.getByTestId("immediate-response").textContent()).toBe(ANSWER);
    expect(await panel.getByTestId("notebook").textContent()).toBe("no update");
    expect(await panel.getByTestId("status").textContent()).toMatch(/^HTTP 200 · \d+ ms$/);

    // The key stays in this tab's sessionStorage, never in the address.
    expect(page.url()).not.toContain(TEST_KEY);
    expect(await page.evaluate(() => sessionStorage.getItem("pithead-agent-api-key"))).toBe(TEST_KEY);
    expect(fake.calls.at(-1)?.messages.at(-1)?.content).toContain(
      "Query 1: What is quantum computing in simple terms?",
    );

    // The conversation tab shows the stored exchange.
    await page.getByTestId("tab-conversation").click();
    await page.locator("#panel-conversation").getByRole("button", { name: "This conversation", exact: true }).click();
    await expect
      .poll(() => page.locator("#panel-conversation").getByTestId("response-body").textContent())
      .toContain(ANSWER);
    expect(failedRequests).toEqual([]);
    await page.close();
  });

  it("shows the 401 when no key is set", async () => {
    const page = await browser.newPage();
    await page.goto(`${agent.url}/ui`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    const panel = page.locator("#panel-complete");
    await panel.getByTestId("queries").fill("hello");
    await panel.getByTestId("send").click();
    await expect.poll(() => panel.getByTestId("status").textContent()).toMatch(/^HTTP 401/);
    expect(await panel.getByTestId("response-body").textContent()).toContain("Missing API key");
    await page.close();
  });

  it("loads without a console error: its Content-Security-Policy is one Chromium takes whole", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") errors.push(message.text());
    });
    const requested: string[] = [];
    page.on("request", (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${agent.url}/ui`);
    await expect.poll(() => page.getByTestId("health-badge").textContent()).toContain("healthy");
    await page.waitForLoadState("networkidle");
    expect(errors).toEqual([]);
    // The page names its icon: no /favicon.ico request, whose 404 was a console error.
    expect(requested).not.toContain("/favicon.ico");
    await page.close();
  });

  it("says whether the typed key was accepted, and a wrong one refused", async () => {
    const page = await browser.newPage();
    await page.goto(`${agent.url}/ui`);
    await page.getByTestId("api-key").fill("not-the-agent-key-0123456789");
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByTestId("key-state").textContent()).toMatch(/^key refused \(HTTP 403\)/);
    await page.getByTestId("api-key").fill(TEST_KEY);
    await page.getByRole("button", { name: "Use key" }).click();
    await expect.poll(() => page.getByTestId("key-state").textContent()).toBe("key set for this tab");
    await page.close();
  });

  it("turns the health badge unhealthy, with the reason, after a call the model backend failed, without a reload", async () => {
    const page = await browser.newPage();
    await page.goto(`${agent.url}/ui`);
    await expect.poll(() => page.getByTestId("health-badge").textContent()).toMatch(/^healthy/);
    // One try and LLM_MAX_RETRIES (2) retries, all failing.
    for (let i = 0; i < 3; i++) fake.replies.push({ status: 500, error: "CUDA out of memory" });
    await page.getByTestId("api-key").fill(TEST_KEY);
    await page.getByRole("button", { name: "Use key" }).click();
    const panel = page.locator("#panel-complete");
    await panel.getByTestId("queries").fill("hello");
    await panel.getByTestId("send").click();
    // The retries wait their backoff (0.5 s, then 1 s).
    await expect.poll(() => panel.getByTestId("status").textContent(), { timeout: 15_000 }).toMatch(/^HTTP 502/);
    await expect
      .poll(() => page.getByTestId("health-badge").textContent(), { timeout: 5000 })
      .toBe("unhealthy · fake-model · LLM backend failed: HTTP 500");
    // The next call that works makes it healthy again.
    await panel.getByTestId("send").click();
    await expect.poll(() => page.getByTestId("health-badge").textContent()).toMatch(/^healthy/);
    await page.close();
  });

  // Regression: the default list allowed every port of localhost and 127.0.0.1, so any local web app
  // could frame the console (and the key typed into it).
  it("is not shown in another site's frame, not even one on this machine", async () => {
    const page = await browser.newPage();
    const { port } = embedder.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/?frame=${encodeURIComponent(`${agent.url}/ui`)}`);
    await page.waitForLoadState("load");
    const inner = page.mainFrame().childFrames()[0];
    expect(inner?.url()).not.toMatch(/^http/);
    await page.close();
  });

  it("works inside the frame of a site UI_FRAME_ANCESTORS names", async () => {
    const { port } = embedder.address() as AddressInfo;
    const framed = await startTestAgent({
      LLM_PROVIDER: "openai",
      OPENAI_BASE_URL: fake.baseUrl,
      OPENAI_MODEL: "fake-model",
      UI_FRAME_ANCESTORS: `http://127.0.0.1:${port}`,
    });
    // X-Frame-Options cannot name another site: left out, so that it never contradicts the list.
    expect((await fetch(`${framed.url}/ui`)).headers.get("x-frame-options")).toBeNull();
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${port}/?frame=${encodeURIComponent(`${framed.url}/ui`)}`);
      await page.frameLocator("#agent").getByTestId("api-key").waitFor();
      const inner = page.frames().find((f) => f.url().startsWith(`${framed.url}/ui`));
      if (!inner) throw new Error("the console did not load in the iframe");
      await sendComplete(inner);
      expect(await inner.locator("#panel-complete").getByTestId("immediate-response").textContent()).toBe(ANSWER);
    } finally {
      await page.close();
      await framed.agent.close();
    }
  });
});

describe("the test console's headers", () => {
  it("may be framed by its own origin only, is never type-sniffed and sends no Referer", async () => {
    const response = await fetch(`${agent.url}/ui`);
    const directives = (response.headers.get("content-security-policy") ?? "").split(";").map((d) => d.trim());
    expect(directives).toContain("frame-ancestors 'self'");
    expect(response.headers.get("x-frame-options")).toBe("SAMEORIGIN");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("referrer-policy")).toBe("no-referrer");
  });
});
