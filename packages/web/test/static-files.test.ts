import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../src/index.ts";
import { PAGE_CSP } from "../src/server/security-headers.ts";

const dist = mkdtempSync(join(tmpdir(), "pithead-web-static-"));
let dashboard: RunningDashboard;

beforeAll(async () => {
  mkdirSync(join(dist, "assets"));
  writeFileSync(join(dist, "index.html"), "<!doctype html><title>Pithead dashboard</title>");
  writeFileSync(join(dist, "assets", "index-abc123.js"), "console.log('app')");
  writeFileSync(join(dist, "..", "secret.txt"), "outside dist");
  dashboard = await startDashboard({ distDir: dist, port: 0, logger: false, upstreams: {} });
});

afterAll(async () => {
  await dashboard?.close();
  rmSync(dist, { recursive: true, force: true });
  rmSync(join(dist, "..", "secret.txt"), { force: true });
});

describe("the built dashboard", () => {
  it("answers every page route with index.html, uncached and under a strict CSP", async () => {
    for (const path of ["/", "/jobs", "/jobs/7f3c2a", "/fleet?operator=op-1"]) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(await response.text()).toContain("<title>Pithead dashboard</title>");
      expect(response.headers.get("cache-control")).toBe("no-cache");
      const csp = response.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
    }
  });

  // Regression: /index.html was served as a plain file, without the page's headers, so another
  // site could frame the whole app through it (it loads and navigates client-side).
  it("sends the page's headers with every HTML document: /index.html, /, a deep page route", async () => {
    for (const path of ["/index.html", "/index.html?x=1", "/", "/jobs/7f3c2a/leases", "/ledger/fleet%2Fop-1"]) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type"), path).toContain("text/html");
      expect(response.headers.get("content-security-policy"), path).toBe(PAGE_CSP);
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });

  it("sends nosniff, no-referrer and DENY with everything else it answers: assets and errors", async () => {
    for (const path of ["/assets/index-abc123.js", "/assets/index-gone.js", "/health"]) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect(response.headers.get("x-content-type-options"), path).toBe("nosniff");
      expect(response.headers.get("referrer-policy"), path).toBe("no-referrer");
      expect(response.headers.get("x-frame-options"), path).toBe("DENY");
    }
  });

  it("serves hashed assets with a long cache and their type", async () => {
    const response = await fetch(`${dashboard.url}/assets/index-abc123.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/javascript");
    expect(response.headers.get("cache-control")).toContain("immutable");
    expect(await response.text()).toBe("console.log('app')");
  });

  it("answers a missing asset with 404, not with the page", async () => {
    const response = await fetch(`${dashboard.url}/assets/index-gone.js`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("ASSET_NOT_FOUND");
  });

  it("never serves a file outside the build", async () => {
    for (const path of ["/assets/..%2f..%2fsecret.txt", "/%2e%2e/secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt"]) {
      const response = await fetch(`${dashboard.url}${path}`);
      expect(response.status, path).toBe(404);
      expect(await response.text()).not.toContain("outside dist");
    }
  });
});

describe("closing after pages were served", () => {
  // Regression: a streamed file with a Content-Length left the browser's kept-alive connection
  // looking busy, and close() waited for the browser to hang up.
  it("does not wait for a browser's kept-alive connection", { timeout: 10_000 }, async () => {
    const own = await startDashboard({ distDir: dist, port: 0, logger: false, upstreams: {}, drainMs: 600_000 });
    for (const path of ["/", "/jobs", "/assets/index-abc123.js"])
      expect((await fetch(`${own.url}${path}`)).status).toBe(200);
    await own.close();
  });
});
