// The Ledger page in Debian's Chromium (playwright-core) for a fleet operator whose oldest records
// were archived (`pithead ledger archive`, here the ledger library's Ledger.archive on the stopped
// controller's data). Before: Verify said "✖ Verification failed at record 0: expected record 0,
// found record N" and then "The service's own verify agrees"; "Older records" answered 410 on every
// click and stayed. Screenshots: artifacts/screenshots/ledger-archived-<step>.png.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type FleetConfig, type FleetService, loadFleetConfig, startFleetService } from "@pithead/fleet";
import { signFleetRequest } from "@pithead/fleet/sign";
import { loadOrCreateSigner, openLedger } from "@pithead/ledger";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDashboardBuilt, type RunningDashboard, startDashboard } from "../src/index.ts";
import { launchChromium } from "./support/chromium.ts";
import { OPERATOR, SECRET } from "./support/fleet.ts";

const CODE = "R4CH-V3DX";
const PARTITION = `fleet/${OPERATOR}`;
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
const data = mkdtempSync(join(tmpdir(), "pithead-web-archived-"));
let config: FleetConfig;
let fleet: FleetService;
let dashboard: RunningDashboard;
let browser: Browser;
let boundary = 0;

async function runCycles(count: number): Promise<void> {
  const path = `/operators/${OPERATOR}/loop/run-once?details=false`;
  for (let i = 0; i < count; i++) {
    const headers = await signFleetRequest({ operatorId: OPERATOR, secret: SECRET, method: "POST", path });
    const response = await fetch(`${fleet.url}${path}`, { method: "POST", headers });
    if (!response.ok) throw new Error(`cycle: HTTP ${response.status} ${await response.text()}`);
  }
}

beforeAll(async () => {
  config = loadFleetConfig({
    DATA_DIR: data,
    API_SECRET: SECRET,
    OPERATOR_ID: OPERATOR,
    LOOP_ENABLED: "false",
    PORT: "0",
    SIMULATED_MINERS: "24",
    LEDGER_STORE: "jsonl",
    LEDGER_SEAL_MB: "1",
  });
  const [built] = await Promise.all([
    ensureDashboardBuilt(),
    (async () => {
      // Enough cycles for several sealed segments, then the oldest archived with the controller stopped.
      fleet = await startFleetService(config, { logger: false, loop: false });
      await runCycles(150);
      await fleet.close();
      if (config.ledger.store !== "jsonl") throw new Error("the test needs the JSONL store");
      const ledger = await openLedger({
        store: "jsonl",
        dir: config.ledger.dir,
        signer: loadOrCreateSigner(config.keyFile, "pithead-fleet"),
        ...(config.ledger.sealBytes !== undefined ? { sealBytes: config.ledger.sealBytes } : {}),
      });
      try {
        const half = Math.floor((await ledger.size(PARTITION)) / 2);
        boundary = (await ledger.archive?.(PARTITION, { to: join(data, "archive"), belowSeq: half }))?.archivedTo ?? 0;
      } finally {
        await ledger.close();
      }
      fleet = await startFleetService(config, { logger: false, loop: false });
      await runCycles(1);
    })(),
  ]);
  [dashboard, browser] = await Promise.all([
    startDashboard({
      distDir: built.distDir,
      port: 0,
      logger: false,
      upstreams: { fleet: fleet.url },
      login: { code: CODE, bundle: { fleet: { url: fleet.url, operators: [{ id: OPERATOR, secret: SECRET }] } } },
    }),
    launchChromium(),
  ]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.close();
  await fleet?.close();
  rmSync(data, { recursive: true, force: true });
});

/** `fullPage: false`: the first screen only, where the verify panel is (the records below run long). */
async function shot(page: Page, step: string, fullPage = true): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `ledger-archived-${step}.png`), fullPage });
}

async function ledgerPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  await page.goto(dashboard.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Ledger" }).click();
  await page.getByRole("heading", { name: "Ledger", level: 1 }).waitFor();
  return page;
}

describe("the Ledger page for a partition with archived records", () => {
  it("verifies from the archive boundary, says what it did not check, and agrees with the service", async () => {
    expect(boundary).toBeGreaterThan(0);
    const page = await ledgerPage();
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    const result = page.getByTestId("verify-result");
    await expect.poll(() => result.textContent(), { timeout: 60_000 }).toContain("Verified in this browser");
    const text = (await result.textContent()) ?? "";
    expect(text).toContain(`the ${boundary.toLocaleString("en-US")} before them are archived and not checked here`);
    expect(text).toContain(`records 0..${boundary - 1} are archived and not in this export`);
    // The CLI's command is shown as code, not between raw backticks.
    expect(text).not.toContain("`");
    // Progress counts the records the export holds and were checked, not the archived ones.
    const checked = /\(([\d,]+) records; the/.exec(text)?.[1];
    expect(await page.locator(".progress-line .muted").textContent()).toBe(`${checked} / ${checked} (100%)`);
    await expect
      .poll(() => page.getByTestId("server-verify").textContent(), { timeout: 30_000 })
      .toMatch(/^The service's own verify agrees/);
    await shot(page, "1-verified", false);
  });

  it("pages back to the archive boundary, then says which records are archived and offers no older page", async () => {
    const page = await ledgerPage();
    const older = page.getByRole("button", { name: "Older records" });
    const archived = page.getByTestId("records-archived");
    for (let clicks = 0; clicks < 200 && (await archived.count()) === 0; clicks++) {
      await older.click();
      await page.getByRole("list", { name: /Records/ }).waitFor();
      expect(await page.getByRole("alert").count()).toBe(0);
    }
    await expect.poll(() => archived.textContent()).toContain(`Records before #${boundary} are archived`);
    expect(await older.count()).toBe(0);
    const seqs = await page.locator(".record-seq").allTextContents();
    expect(seqs.at(-1)).toBe(`#${boundary}`);
    await shot(page, "2-records-end");
    // Under a type filter the list also ends there, with only that type listed.
    await page.getByLabel("Record type").fill("fleet.cycle");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByRole("list", { name: "Records of type fleet.cycle, newest first" }).waitFor();
    for (let clicks = 0; clicks < 50 && (await older.count()) > 0; clicks++) {
      await older.click();
      await page.getByRole("list", { name: "Records of type fleet.cycle, newest first" }).waitFor();
    }
    await expect.poll(() => archived.textContent()).toContain(`Records before #${boundary} are archived`);
    const types = await page.locator(".record-head code").allTextContents();
    expect(new Set(types)).toEqual(new Set(["fleet.cycle"]));
  });
});
