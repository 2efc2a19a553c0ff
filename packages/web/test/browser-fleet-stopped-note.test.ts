// A stopped miner's note in the Fleet page's Status column wraps between its words, never inside
// one, in Debian's Chromium against a real fleet controller with a miner stopped by its operator,
// at a laptop's and a phone's width. Before: the table (wider than the screen) squeezed the column
// to one letter's width and the note read "sto / pped". Screenshots:
// artifacts/screenshots/fleet-stopped-note-<width>.png.

import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OPERATOR, startTestFleet, type TestFleet } from "./support/fleet.ts";
import { type FleetDashboard, startFleetDashboard } from "./support/fleet-dashboard.ts";

const CODE = "ST0P-N0TE";
const screenshots = resolve(import.meta.dirname, "../../../artifacts/screenshots");
let fleet: TestFleet;
let ui: FleetDashboard;

beforeAll(async () => {
  fleet = await startTestFleet({ SIMULATED_MINERS: "12" });
  await fleet.cycle();
  // sim-006 is an Avalon, whose firmware can stop hashing: it stays stopped, latched by its operator.
  await fleet.call("POST", `/operators/${OPERATOR}/miners/sim-006/stop`, { reason: "maintenance" });
  await fleet.cycle();
  ui = await startFleetDashboard(fleet.service.url, CODE);
}, 180_000);

afterAll(async () => {
  await ui?.close();
  await fleet?.close();
});

describe("a stopped miner's note in the Fleet table", () => {
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    it(`breaks only between words at ${viewport.width} px`, async () => {
      const page = await (await ui.browser.newContext({ viewport })).newPage();
      await page.goto(ui.dashboard.url);
      await page.getByLabel("Login code").fill(CODE);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("navigation").getByRole("link", { name: "Fleet" }).click();
      const note = page.getByRole("row", { name: /sim-006/ }).getByText("stopped by operator");
      await note.waitFor();
      // Each word of the note is laid out on one line (its box has one top).
      const splitWords = await note.evaluate((element) => {
        // The DOM as far as this reads it (the tests type-check without the DOM library).
        type Rects = { getClientRects(): Iterable<{ top: number }> };
        type Range = Rects & {
          setStart(node: unknown, offset: number): void;
          setEnd(node: unknown, offset: number): void;
        };
        const doc = (globalThis as unknown as { document: { createRange(): Range } }).document;
        const text = (element as unknown as { firstChild: { data: string } }).firstChild;
        const split: string[] = [];
        for (const match of text.data.matchAll(/\S+/g)) {
          const range = doc.createRange();
          range.setStart(text, match.index);
          range.setEnd(text, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].map((rect) => Math.round(rect.top)));
          if (tops.size > 1) split.push(match[0]);
        }
        return split;
      });
      expect(splitWords).toEqual([]);
      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, `fleet-stopped-note-${viewport.width}.png`) });
      await page.context().close();
    });
  }
});
