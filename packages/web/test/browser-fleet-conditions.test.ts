// What the Fleet page says about the fleet as a whole, in Debian's Chromium against a real fleet
// controller with a simulated fleet in trouble: one miner unreachable, one reporting an impossible
// hashrate, one stopped by the operator and started again by hand at the miner. The totals say
// which miners their money leaves out and why, a miner the evidence gate held says why in its row,
// one banner lists what is wrong fleet-wide in the controller's words (its /miners `conditions`:
// the failed polls, the gate, the latched miner hashing), and that banner is about the whole fleet
// whatever the table shows (a search that hides the latched miner leaves it named). Screenshots: artifacts/screenshots/fleet-conditions-<step>.png.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FleetView } from "../app/api/fleet.ts";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";
import { type FleetDashboard, startFleetDashboard } from "./support/fleet-dashboard.ts";

const CODE = "C0ND-F1EE";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
let fleet: TestFleet;
let ui: FleetDashboard;
let view: FleetView;

beforeAll(async () => {
  fleet = await startTestFleet({ SIMULATED_MINERS: "12" });
  await fleet.cycle();
  // sim-006 is an Avalon, whose firmware can stop hashing (a soft-off) and start again.
  await fleet.call("POST", `/operators/${OPERATOR}/miners/sim-006/stop`, { reason: "maintenance" });
  await fleet.cycle();
  const simulator = fleet.service.simulator;
  if (!simulator) throw new Error("no simulator");
  // Started by hand at the miner, outside Pithead: the operator's latch holds, the miner hashes.
  simulator.miner("sim-006").handle(JSON.stringify({ command: "ascset", parameter: "0,softon" }));
  await simulator.setFault("sim-002", { kind: "unreachable" });
  await simulator.setFault("sim-004", { kind: "impossible", value: "hashrate-spike" });
  await fleet.cycle();
  view = await fleet.call<FleetView>("GET", `/operators/${OPERATOR}/miners`);
  ui = await startFleetDashboard(fleet.service.url, CODE);
}, 180_000);

afterAll(async () => {
  await ui?.close();
  await fleet?.close();
});

async function fleetPage(): Promise<Page> {
  const page = await (await ui.browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await page.goto(ui.dashboard.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Fleet" }).click();
  await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
  return page;
}

async function shot(page: Page, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `fleet-conditions-${step}.png`), fullPage: true });
}

describe("the Fleet page on the whole fleet", () => {
  it("says which miners the totals leave out and why, beside the totals", async () => {
    const excluded = view.totals?.excludedMiners ?? [];
    expect(excluded.map((miner) => miner.minerId).sort()).toEqual(["sim-002", "sim-004"]);
    const page = await fleetPage();
    const totals = page.getByRole("region", { name: "Fleet totals" });
    expect(await totals.getByText("miners counted in margin").locator("..").textContent()).toBe(
      "miners counted in margin10 of 12",
    );
    const note = await page.getByTestId("fleet-excluded").textContent();
    for (const miner of excluded) expect(note).toContain(`${miner.minerId} (${miner.reason}`);
    expect(note).toMatch(/^Revenue, energy and margin leave out 2 miners: /);
    await shot(page, "1-totals");
    await page.context().close();
  });

  it("shows why the evidence gate held a miner in its row", async () => {
    const gated = view.miners.find((miner) => miner.id === "sim-004");
    expect(gated?.gate?.reason).toBeTruthy();
    const page = await fleetPage();
    const row = page.getByRole("row", { name: /sim-004/ });
    expect(await row.getByText(/^held by the evidence checks/).textContent()).toBe(
      `held by the evidence checks: ${gated?.gate?.reason.split(",").join(", ")}`,
    );
    await page.context().close();
  });

  it("lists the controller's fleet-wide conditions in one banner, in its words, whatever rows the table shows", async () => {
    // The controller's own conditions (what its log warns of), not the page's reading of the rows.
    const conditions = view.conditions ?? [];
    const codes = conditions.map((condition) => condition.code);
    expect(codes).toContain("polls-failed");
    expect(codes).toContain("latched-hashing:STOPPED_BY_OPERATOR");
    expect(codes.some((code) => code.startsWith("gate:"))).toBe(true);
    const page = await fleetPage();
    const banner = page.getByRole("region", { name: "Fleet-wide warnings" });
    const items = () => banner.getByRole("listitem").allTextContents();
    const check = async () => {
      const shown = await items();
      expect(shown).toHaveLength(conditions.length);
      for (const condition of conditions) expect(shown.some((text) => text.startsWith(condition.text))).toBe(true);
    };
    await check();
    const latched = conditions.find((condition) => condition.code === "latched-hashing:STOPPED_BY_OPERATOR");
    // Which miners, beside the controller's words.
    expect(await banner.getByText(latched?.text ?? "?", { exact: false }).textContent()).toContain("(sim-006)");
    const polls = conditions.find((condition) => condition.code === "polls-failed");
    expect(await banner.getByText(polls?.text ?? "?", { exact: false }).textContent()).toContain("(sim-002)");
    await shot(page, "2-banner");
    // A search that leaves only sim-001 in the table: the banner is still the whole fleet's.
    await page.getByLabel("Search miners").fill("sim-001");
    await expect.poll(() => page.getByTestId("miner-count").textContent()).toBe("1 of 12 miners");
    await check();
    await page.getByRole("button", { name: /^Latched/ }).click();
    await check();
    await shot(page, "3-banner-filtered");
    await page.context().close();
  });
});
