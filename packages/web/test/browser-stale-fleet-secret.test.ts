// A tab whose fleet operator secret the controller no longer takes (the stack started again with a
// new secret, or the secret changed), in Debian's Chromium against a real fleet controller: the
// Fleet page says the tab's secret was refused and how to log in again. Before: only the
// controller's "signature does not match (check the secret, the method, the path with its query…)",
// a developer's checklist, with no word of the restart or of the way back to the login screen.
// Screenshot: artifacts/screenshots/stale-fleet-secret.png.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../src/index.ts";
import { launchChromium } from "./support/chromium.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";

const CODE = "ST4L-3TAB";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
let fleet: TestFleet;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  fleet = await startTestFleet({ SIMULATED_MINERS: "4" });
  const built = await ensureDashboardBuilt();
  // The login hands over a secret from an earlier start: the controller's is another.
  const stale = {
    fleet: { url: fleet.service.url, operators: [{ id: OPERATOR, secret: "an-old-secret-of-enough-length" }] },
  };
  [dashboard, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { fleet: fleet.service.url },
      login: { code: CODE, bundle: stale },
    }),
    launchChromium(),
  ]);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fleet?.close();
});

describe("a tab holding a fleet secret the controller refuses", () => {
  it("says the tab's secret was refused and how to log in again", async () => {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(dashboard.url);
    await page.getByLabel("Login code").fill(CODE);
    await page.getByRole("button", { name: "Log in" }).click();
    await page.getByRole("navigation").getByRole("link", { name: "Fleet" }).click();
    const alert = page.getByRole("alert").filter({ hasText: "signature does not match" }).first();
    await alert.waitFor({ timeout: 15_000 });
    const text = (await alert.textContent()) ?? "";
    expect(text).toContain(`the secret this tab holds for operator ${OPERATOR} was refused`);
    expect(text).toContain("Forget keys on the Connections page, then enter the login code pithead up printed");
    mkdirSync(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, "stale-fleet-secret.png"), fullPage: true });
    await page.context().close();
  });
});
