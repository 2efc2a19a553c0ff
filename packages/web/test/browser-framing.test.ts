// What Chromium does with the headers: another site cannot frame any page of the dashboard (its
// index.html included, which runs the whole app), a service's page reached through /svc/* never
// runs with the dashboard's origin, and the agent's console still loads same-origin in the
// dashboard's own frame, which can reach its key field.

import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./support/chromium.ts";
import { CONSOLE_TITLE, type PagesSetup, startPagesSetup } from "./support/page-services.ts";

let setup: PagesSetup;
let otherSite: Server;
let otherSiteUrl: string;
let browser: Browser;

beforeAll(async () => {
  // The page frames the agent's console the way the Agent page does.
  setup = await startPagesSetup((dist) =>
    writeFileSync(
      join(dist, "index.html"),
      '<!doctype html><title>Pithead dashboard</title><iframe id="console" src="/svc/agent/ui"></iframe>',
    ),
  );
  // Another site on this machine (another port: another origin) that frames what it is asked to.
  otherSite = createServer((request, response) => {
    const target = new URL(request.url ?? "/", "http://x").searchParams.get("frame") ?? "";
    response.writeHead(200, { "content-type": "text/html" });
    response.end(`<!doctype html><title>other site</title><iframe src="${target}"></iframe>`);
  });
  await new Promise<void>((resolve) => otherSite.listen(0, "127.0.0.1", resolve));
  otherSiteUrl = `http://127.0.0.1:${(otherSite.address() as AddressInfo).port}`;
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  otherSite?.close();
  await setup?.close();
});

/** The title of the document in `page`'s first frame, or undefined when the browser refused to show it there. */
async function framedTitle(page: Page): Promise<string | undefined> {
  const child = page.mainFrame().childFrames()[0];
  return child?.url().startsWith("http") ? child.title() : undefined;
}

describe("the dashboard in Chromium", () => {
  it("cannot be framed by another site: not /, not a page route, not /index.html", async () => {
    const page = await browser.newPage();
    try {
      for (const path of ["/", "/jobs", "/index.html"]) {
        await page.goto(`${otherSiteUrl}/?frame=${encodeURIComponent(`${setup.dashboard.url}${path}`)}`);
        await page.waitForLoadState("load");
        expect(await framedTitle(page), path).toBeUndefined();
      }
      // The same page framed by itself: the frame above was refused by the headers, not broken.
      await page.goto(`${setup.dashboard.url}/`);
      await expect.poll(() => framedTitle(page)).toBe(CONSOLE_TITLE);
    } finally {
      await page.close();
    }
  });

  it("frames the agent's console same-origin, so the page can reach its key field", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${setup.dashboard.url}/`);
      await expect.poll(() => framedTitle(page)).toBe(CONSOLE_TITLE);
      const reached = await page.evaluate<string | undefined>(
        'document.getElementById("console").contentDocument?.getElementById("api-key")?.tagName',
      );
      expect(reached).toBe("INPUT");
    } finally {
      await page.close();
    }
  });

  it("never runs a service's page with the dashboard's origin", async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${setup.dashboard.url}/`);
      await page.evaluate(() => sessionStorage.setItem("pithead-connections", "the keys"));
      // The OpenAPI UI: refused, with where to open it instead.
      await page.goto(`${setup.dashboard.url}/svc/coordinator/docs`);
      const text = await page.locator("body").innerText();
      expect(text).toContain("PAGE_NOT_PROXIED");
      expect(text).toContain(`${setup.coordinatorUrl}/docs`);
      // A body without a type, which Chromium shows as a page: its script does not run, and the
      // document's origin is its own, without the tab's storage.
      await page.goto(`${setup.dashboard.url}/svc/coordinator/untyped`);
      expect(await page.title()).not.toBe("ran");
      expect(await page.evaluate<string>("window.origin")).toBe("null");
    } finally {
      await page.close();
    }
  });
});
