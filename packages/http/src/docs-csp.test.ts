// /docs was served with no Content-Security-Policy. It now has a strict one (no inline or foreign
// script, calls to this server only, no framing), checked here in a real browser: Debian's
// Chromium through playwright-core loads the page, which must work with no CSP error.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DOCS_CSP } from "./docs.ts";
import { defineErrors } from "./errors.ts";
import { createHttpServer, type HttpServer } from "./server.ts";

let app: HttpServer;
let url: string;
let browser: BrowserContext;
let userDataDir: string;

beforeAll(async () => {
  app = await createHttpServer({
    name: "demo",
    version: "1.0.0",
    errors: defineErrors({}),
    logger: false,
    docs: { title: "Demo API", description: "demo" },
    auth: { resolve: async () => undefined },
  });
  app.get(
    "/v1/things",
    { config: { public: true }, schema: { summary: "The things", tags: ["things"] } },
    async () => ({ things: ["a"] }),
  );
  url = await app.listen({ port: 0, host: "127.0.0.1" });
  userDataDir = mkdtempSync(join(tmpdir(), "pithead-http-docs-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

describe("the /docs page", () => {
  it("is served with a strict Content-Security-Policy, its files too, and the API's own answers without it", async () => {
    for (const path of ["/docs", "/docs/static/swagger-ui-bundle.js", "/docs/json"]) {
      const response = await fetch(url + path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-security-policy"), path).toBe(DOCS_CSP);
    }
    expect(DOCS_CSP).toContain("default-src 'none'");
    expect(DOCS_CSP).toContain("script-src 'self';");
    expect(DOCS_CSP).toContain("frame-ancestors 'none'");
    expect((await fetch(`${url}/v1/things`)).headers.get("content-security-policy")).toBeNull();
  });

  it("works in Chromium under it: the operations show, Try it out calls the API, and no CSP error", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error" || message.type() === "warning") problems.push(message.text());
    });
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${url}/docs`);
    const operation = page.locator(".opblock-get", { hasText: "/v1/things" });
    await operation.locator(".opblock-summary").click();
    await operation.getByRole("button", { name: "Try it out" }).click();
    await operation.getByRole("button", { name: "Execute" }).click();
    await expect
      .poll(() => operation.locator(".live-responses-table .response-col_status").nth(1).textContent())
      .toBe("200");
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await page.close();
  });
});
