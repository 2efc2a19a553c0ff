// The README's settings table is the operator's reference: every key the miner reads is in it, with
// its flag and its default as the loader has them (config-keys.ts), so the two cannot drift apart.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../src/index.ts";

const README = readFileSync(resolve(import.meta.dirname, "../README.md"), "utf8");

/** The settings table's rows by key: [flag, default]. */
function settingsRows(): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of README.split("\n")) {
    const cells = line.split(" | ").map((cell) => cell.replace(/^\|\s*/, "").trim());
    const key = /^`([A-Z_]+)`$/.exec(cells[0] ?? "")?.[1];
    if (key && cells.length >= 4) rows.set(key, [cells[1] ?? "", cells[2] ?? ""]);
  }
  return rows;
}

describe("the miner README", () => {
  it("lists every setting with its flag and its default", () => {
    const rows = settingsRows();
    expect([...rows.keys()].sort()).toEqual(CONFIG_KEYS.map((def) => def.key).sort());
    for (const def of CONFIG_KEYS) {
      const [flag, fallback] = rows.get(def.key) ?? ["", ""];
      expect(flag, def.key).toBe(`\`${def.flag}\``);
      if (def.fallback !== undefined) expect(fallback, def.key).toBe(`\`${def.fallback}\``);
    }
  });
});
