// The Fleet page's miners table at a laptop's 1280×800, in Debian's Chromium against a real fleet
// controller whose simulated fleet is in trouble (a miner unreachable, one held by the evidence
// checks, one overheating, one stopped by the operator): every column is in view without scrolling
// sideways, each header still reads with its unit ("Hashrate TH/s"), and a reason code breaks
// between its words, not inside one. Before: the table was 1,536 px wide in a 1,241 px frame, so
// the power, margin and last decision columns were off screen. At a phone's width it still scrolls
// inside its frame. Screenshots: artifacts/screenshots/fleet-laptop-<step>.png.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";
import { type FleetDashboard, startFleetDashboard } from "./support/fleet-dashboard.ts";

const CODE = "L4PT-0P12";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
/** At a laptop's width: every column but the fans (said above the charted miner's charts instead). */
const HEADERS = [
  "Miner",
  "Model",
  "Status",
  "Actions",
  "Hashrate TH/s",
  "Expected TH/s",
  "Chip °C",
  "Board °C",
  "Power W",
  "Margin $/day",
  "Last decision",
];
let fleet: TestFleet;
let ui: FleetDashboard;

beforeAll(async () => {
  fleet = await startTestFleet({ SIMULATED_MINERS: "36" });
  await fleet.cycle();
  await fleet.call("POST", `/operators/${OPERATOR}/miners/sim-006/stop`, { reason: "maintenance" });
  const simulator = fleet.service.simulator;
  if (!simulator) throw new Error("no simulator");
  await simulator.setFault("sim-002", { kind: "unreachable" });
  await simulator.setFault("sim-004", { kind: "impossible", value: "hashrate-spike" });
  await simulator.setFault("sim-005", { kind: "over-temperature" });
  await fleet.cycle();
  await fleet.cycle();
  ui = await startFleetDashboard(fleet.service.url, CODE);
}, 180_000);

afterAll(async () => {
  await ui?.close();
  await fleet?.close();
});

async function fleetPage(viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await ui.browser.newContext({ viewport })).newPage();
  await page.goto(ui.dashboard.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Fleet" }).click();
  await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
  // The margins arrive after the miners: wait for a figure in that column.
  await expect.poll(() => page.locator("tbody td.num").filter({ hasText: "$" }).count()).toBeGreaterThan(0);
  return page;
}

async function shot(page: Page, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `fleet-laptop-${step}.png`) });
}

// The DOM as far as these tests read it (the tests type-check without the DOM library).
type Box = { getBoundingClientRect(): { left: number; right: number } };
type Frame = Box & { scrollWidth: number; clientWidth: number };
type TextNode = { textContent: string };
type Range = {
  setStart(node: unknown, offset: number): void;
  setEnd(node: unknown, offset: number): void;
  getClientRects(): { length: number };
};
type Doc = { createRange(): Range; createTreeWalker(root: unknown, show: number): { nextNode(): unknown } };

/** How far the table runs past its frame, and how many column headers end beyond its edge. */
function fits(page: Page): Promise<{ overflow: number; pastTheEdge: number }> {
  return page.getByRole("table", { name: "Miners of the operator" }).evaluate((element) => {
    const frame = element.parentElement as unknown as Frame;
    const edge = frame.getBoundingClientRect().right;
    const headers = [
      ...(element as unknown as { querySelectorAll(s: string): Iterable<Box> }).querySelectorAll("thead th"),
    ];
    return {
      overflow: frame.scrollWidth - frame.clientWidth,
      pastTheEdge: headers.filter((cell) => cell.getBoundingClientRect().right > edge + 1).length,
    };
  });
}

describe("the fleet's miners table", () => {
  it("shows every column but the fans at 1280×800 without scrolling sideways, each header named with its unit", async () => {
    const page = await fleetPage({ width: 1280, height: 800 });
    const table = page.getByRole("table", { name: "Miners of the operator" });
    for (const name of HEADERS) {
      expect(await table.getByRole("columnheader", { name, exact: true }).count(), name).toBe(1);
    }
    expect(await fits(page)).toEqual({ overflow: 0, pastTheEdge: 0 });
    await shot(page, "1-laptop");
    // The fans the table leaves out at this width: the charted miner's, above its charts.
    await page.getByRole("button", { name: "Chart miner sim-003" }).click();
    await expect
      .poll(() => page.getByTestId("chart-miner-fans").textContent())
      .toMatch(/^Fans now: [\d,]+(–[\d,]+)? rpm ×\d$/);
    await page.context().close();
  });

  it("breaks a long reason code at 1280×800 after its underscores, never inside a word", async () => {
    const page = await fleetPage({ width: 1280, height: 800 });
    // Each word of the decision column on one line: a word wrapped inside itself has two line boxes.
    const brokenWords = await page.locator("tbody td.decision").evaluateAll((cells) => {
      const doc = (globalThis as unknown as { document: Doc }).document;
      const broken: string[] = [];
      for (const cell of cells) {
        const walker = doc.createTreeWalker(cell, 4 /* text nodes */);
        for (let node = walker.nextNode() as TextNode | null; node; node = walker.nextNode() as TextNode | null) {
          for (const match of node.textContent.matchAll(/[A-Za-z0-9]+/g)) {
            const range = doc.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            if (range.getClientRects().length > 1) broken.push(match[0]);
          }
        }
      }
      return broken;
    });
    expect(brokenWords).toEqual([]);
    await page.context().close();
  });

  it("shows the fans column too on a wider screen, still without scrolling sideways", async () => {
    const page = await fleetPage({ width: 1600, height: 900 });
    const table = page.getByRole("table", { name: "Miners of the operator" });
    expect(await table.getByRole("columnheader", { name: "Fans rpm", exact: true }).count()).toBe(1);
    expect(await fits(page)).toEqual({ overflow: 0, pastTheEdge: 0 });
    await shot(page, "2-wide");
    await page.context().close();
  });

  it("still scrolls inside its frame at 390×844, the page itself no wider than the phone", async () => {
    const page = await fleetPage({ width: 390, height: 844 });
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
    expect((await fits(page)).overflow).toBeGreaterThan(0);
    await shot(page, "3-phone");
    await page.context().close();
  });
});
