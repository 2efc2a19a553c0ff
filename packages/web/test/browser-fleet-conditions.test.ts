// What the Fleet page says about the fleet as a whole, in Debian's Chromium against a real fleet
// controller with a simulated fleet in trouble: one miner unreachable, one reporting an impossible
// hashrate, one stopped by the operator and started again by hand at the miner. The totals say
// which miners their money leaves out and why, a miner the evidence gate held says why in its row,
// one banner lists what is wrong fleet-wide (the failed polls, the gate, the latched miner hashing),
// and that banner is about the whole fleet whatever the table shows (a search that hides the
// latched miner leaves it named). Screenshots: artifacts/screenshots/fleet-conditions-<step>.png.

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

  it("lists what is wrong fleet-wide in one banner, whatever rows the table shows", async () => {
    const page = await fleetPage();
    const banner = page.getByRole("region", { name: "Fleet-wide warnings" });
    const items = () => banner.getByRole("listitem").allTextContents();
    const expected = [
      /^Polls failed for 1 of 12 miners in cycle #\d+: sim-002\.$/,
      /^In cycle #\d+ the evidence gate held miners without a decision: /,
      /^Hashing again although sim-006 stopped by an operator/,
    ];
    const check = async () => {
      const shown = await items();
      for (const pattern of expected) expect(shown.some((text) => pattern.test(text))).toBe(true);
    };
    await check();
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
