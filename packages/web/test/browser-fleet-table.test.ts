// The Fleet page's miners table at a few hundred miners, in Debian's Chromium against a real fleet
// controller with a simulated fleet (three miners unreachable): find one miner by typing, list the
// problem miners with one button, sort a column by mouse and by keyboard and keep that sort across
// the live refresh, keep all of it in the address across a reload, and at a phone's width scroll
// the table sideways without a column resting half under the sticky miner column. Before: no
// search, no filter, no sort, and at 390px the Model text sat under the Miner column.
// Screenshots: artifacts/screenshots/fleet-table-<step>.png.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningDashboard } from "../src/index.ts";
import { startTestFleet, type TestFleet } from "./support/fleet.ts";
import { type FleetDashboard, startFleetDashboard } from "./support/fleet-dashboard.ts";

const CODE = "F7LT-T4BL";
const MINERS = 300;
/** sim-007 is an S17 Pro that never answers: its model is only the configured id. */
const UNREACHABLE = ["sim-007", "sim-150", "sim-299"];
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
let fleet: TestFleet;
let ui: FleetDashboard;
let dashboard: RunningDashboard;
let browser: Browser;

beforeAll(async () => {
  fleet = await startTestFleet({ SIMULATED_MINERS: String(MINERS) });
  for (const id of UNREACHABLE) await fleet.service.simulator?.setFault(id, { kind: "unreachable" });
  await fleet.cycle();
  ui = await startFleetDashboard(fleet.service.url, CODE);
  ({ dashboard, browser } = ui);
}, 180_000);

afterAll(async () => {
  await ui?.close();
  await fleet?.close();
});

async function shot(page: Page, step: string): Promise<void> {
  mkdirSync(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, `fleet-table-${step}.png`) });
}

async function fleetPage(viewport: { width: number; height: number }): Promise<Page> {
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(dashboard.url);
  await page.getByLabel("Login code").fill(CODE);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("navigation").getByRole("link", { name: "Fleet" }).click();
  await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
  return page;
}

/** Each shown row's miner id and the text of one of its cells (`cell`: 0 is the miner, 4 the hashrate). */
function column(page: Page, cell: number): Promise<{ id: string; text: string }[]> {
  return page
    .getByRole("table", { name: "Miners of the operator" })
    .locator("tbody tr")
    .evaluateAll(
      (rows, index) =>
        rows.map((row) => {
          const cells = (row as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells;
          return { id: (cells[0]?.textContent ?? "").trim(), text: (cells[index]?.textContent ?? "").trim() };
        }),
      cell,
    );
}

/** A development build of React redraws a few hundred rows slowly: generous waits, no timings asserted. */
const slowly = { timeout: 20_000 };
const count = (page: Page) => page.getByTestId("miner-count").textContent();
const query = (page: Page) => new URL(page.url()).searchParams;

describe("the fleet table at a few hundred miners", () => {
  it("finds one miner by typing its id, says how many of how many, and keeps the search across a reload", async () => {
    const page = await fleetPage({ width: 1280, height: 900 });
    await expect.poll(() => count(page), slowly).toBe(`${MINERS} of ${MINERS} miners`);
    await page.getByLabel("Search miners").pressSequentially("sim-250");
    await expect.poll(() => count(page), slowly).toBe(`1 of ${MINERS} miners`);
    expect((await column(page, 0)).map((row) => row.id)).toEqual(["sim-250"]);
    await expect.poll(() => query(page).get("search"), slowly).toBe("sim-250");
    await shot(page, "1-search");

    await page.reload();
    await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
    expect(await page.getByLabel("Search miners").inputValue()).toBe("sim-250");
    await expect.poll(() => count(page), slowly).toBe(`1 of ${MINERS} miners`);
    // A model finds every miner of it, by the name shown (every eighth of the simulated fleet).
    await page.getByLabel("Search miners").fill("s17 pro");
    await expect.poll(() => count(page), slowly).toBe(`37 of ${MINERS} miners`);
    await page.context().close();
  });

  it("shows the unreachable miners under Problems, each with its model's name, and says when none match", async () => {
    const page = await fleetPage({ width: 1280, height: 900 });
    const problems = page.locator(".quick-filters").getByRole("button", { name: /^Problems/ });
    await problems.click();
    await expect.poll(() => problems.getAttribute("aria-pressed"), slowly).toBe("true");
    await expect.poll(async () => (await column(page, 0)).map((row) => row.id), slowly).toEqual(UNREACHABLE);
    expect(await count(page)).toBe(`3 of ${MINERS} miners`);
    expect((await column(page, 1)).map((row) => row.text)).toEqual([
      "Antminer S17 Pro",
      "AvalonMiner 1246",
      "Antminer S21",
    ]);
    expect(query(page).get("show")).toBe("problems");
    await shot(page, "2-problems");

    await page.getByLabel("Search miners").fill("sim-001");
    await expect
      .poll(() => page.getByTestId("no-miner-matches").textContent(), slowly)
      .toContain("No miner matches “sim-001”");
    await page.getByRole("button", { name: "Show all miners" }).click();
    await expect.poll(() => count(page), slowly).toBe(`${MINERS} of ${MINERS} miners`);
    expect(
      await page.locator(".quick-filters").getByRole("button", { name: /^All/ }).getAttribute("aria-pressed"),
    ).toBe("true");
    await page.context().close();
  });

  it("sorts by hashrate by click, Enter and Space, numerically with unknown last, and keeps it across a refresh", async () => {
    const page = await fleetPage({ width: 1280, height: 900 });
    const header = page.locator("thead").getByRole("columnheader", { name: /^Hashrate TH\/s/ });
    const sortButton = header.getByRole("button");
    await sortButton.click();
    await expect.poll(() => header.getAttribute("aria-sort"), slowly).toBe("ascending");
    await sortButton.press("Enter");
    await expect.poll(() => header.getAttribute("aria-sort"), slowly).toBe("descending");
    expect(query(page).get("sort")).toBe("-hashrate");

    const sortedDown = async () => {
      const rows = await column(page, 4);
      const values = rows.map((row) => (row.text === "—" ? null : Number(row.text.replace(/,/g, ""))));
      const known = values.filter((value) => value !== null);
      return {
        /** The first row shown below a higher figure, or a figure below an unknown one. */
        outOfOrder:
          rows.find((_, index) => {
            const [above, here] = [values[index - 1], values[index]];
            return index > 0 && here !== null && here !== undefined && (above === null || (above as number) < here);
          }) ?? null,
        // Read as text, "95.0" would sort above "200.0"; a few hundred miners of eight models span both.
        spread: (known[0] as number) > 100 && (known.at(-1) as number) < 100,
        lastIds: rows.slice(-UNREACHABLE.length).map((row) => row.id),
        rows: rows.length,
      };
    };
    expect(await sortedDown()).toEqual({ outOfOrder: null, spread: true, lastIds: UNREACHABLE, rows: MINERS });
    await shot(page, "3-sorted");

    // The live refresh: a new cycle, the page reads the miners again; the rows stay sorted.
    await page.locator(".controls").getByRole("button", { name: "Run cycle" }).click();
    await expect.poll(() => page.getByTestId("fleet-message").textContent(), { timeout: 30_000 }).toMatch(/^Cycle/);
    await expect.poll(() => header.getAttribute("aria-sort"), slowly).toBe("descending");
    // Polled: the cycle's answer and the miners read after it arrive as separate redraws.
    await expect
      .poll(sortedDown, slowly)
      .toEqual({ outOfOrder: null, spread: true, lastIds: UNREACHABLE, rows: MINERS });

    await sortButton.focus();
    await page.keyboard.press("Space");
    await expect.poll(() => header.getAttribute("aria-sort"), slowly).toBe("ascending");
    expect(
      await page
        .locator("thead")
        .getByRole("columnheader", { name: /^Miner/ })
        .getAttribute("aria-sort"),
    ).toBe("none");
    await page.context().close();
  });

  it("opens a shared link with its filter and sort, and at 390px scrolls without a column resting under the miner column", async () => {
    const page = await fleetPage({ width: 390, height: 844 });
    await page.goto(`${dashboard.url}/fleet?show=problems&sort=-miner`);
    await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
    await expect
      .poll(async () => (await column(page, 0)).map((row) => row.id), slowly)
      .toEqual([...UNREACHABLE].reverse());
    await expect
      .poll(
        () =>
          page
            .locator("thead")
            .getByRole("columnheader", { name: /^Miner/ })
            .getAttribute("aria-sort"),
        slowly,
      )
      .toBe("descending");
    await page.locator(".quick-filters").getByRole("button", { name: /^All/ }).click();
    await expect.poll(() => count(page), slowly).toBe(`${MINERS} of ${MINERS} miners`);
    // The tools fit the phone: nothing pushes the page sideways.
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);

    const table = page.getByRole("table", { name: "Miners of the operator" });
    // The DOM as far as this test reads it (the tests type-check without the DOM library).
    type Box = { scrollLeft: number; getBoundingClientRect(): { left: number; right: number } };
    /** Scrolled a little sideways (as a flick leaves it), where does the first column past the sticky one rest? */
    const afterScroll = (by: number) =>
      table.evaluate(async (element, distance) => {
        const wrap = element.parentElement as unknown as Box;
        wrap.scrollLeft = distance;
        await new Promise((done) => setTimeout(done, 500));
        const headers = [
          ...(element as unknown as { querySelectorAll(s: string): Iterable<Box> }).querySelectorAll("thead th"),
        ];
        const sticky = (headers[0] as Box).getBoundingClientRect().right;
        const next = headers.slice(1).find((cell) => cell.getBoundingClientRect().right > sticky + 1) as Box;
        return { scrolled: wrap.scrollLeft, covered: sticky - next.getBoundingClientRect().left };
      }, by);
    // A short flick settles back, a longer one on the next column's start: never part-way under.
    for (const by of [30, 150]) {
      const rest = await afterScroll(by);
      expect(rest.covered).toBeLessThanOrEqual(1);
      if (by === 150) expect(rest.scrolled).toBeGreaterThan(0);
    }
    await shot(page, "4-phone-scrolled");
    await page.context().close();
  });
});
