// Building on demand: a fresh checkout has no dist/, and two processes starting at once (say
// `pithead up` and the e2e tests) must not build over each other.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureDashboardBuilt, inputsStamp, isBuildCurrent } from "../src/index.ts";

const scratch = mkdtempSync(join(tmpdir(), "pithead-web-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the stamp of the sources", () => {
  it("changes when a source is edited, added or removed, and not otherwise", () => {
    const dir = join(scratch, "sources");
    mkdirSync(dir);
    const a = join(dir, "a.tsx");
    const b = join(dir, "b.css");
    writeFileSync(a, "one");
    const first = inputsStamp([a, b], dir);
    expect(inputsStamp([a, b], dir)).toBe(first);
    writeFileSync(b, "body {}");
    const added = inputsStamp([a, b], dir);
    expect(added).not.toBe(first);
    utimesSync(a, new Date(), new Date(Date.now() + 5_000));
    expect(inputsStamp([a, b], dir)).not.toBe(added);
    rmSync(b);
    expect(inputsStamp([a, b], dir)).not.toBe(added);
  });
});

describe("ensureDashboardBuilt", () => {
  it("builds a missing dashboard once, even when asked twice at the same time, and then finds it current", {
    timeout: 120_000,
  }, async () => {
    const outDir = join(scratch, "dist");
    const workDir = join(scratch, "work");
    const waits: number[] = [];
    const [first, second] = await Promise.all([
      ensureDashboardBuilt({ outDir, workDir }),
      ensureDashboardBuilt({ outDir, workDir, onWait: () => waits.push(1) }),
    ]);
    expect([first.built, second.built].sort()).toEqual([false, true]);
    expect(waits.length).toBeLessThanOrEqual(1);
    const index = readFileSync(join(outDir, "index.html"), "utf8");
    expect(index).toMatch(/<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/);
    expect(isBuildCurrent(outDir)).toBe(true);
    // React's production build, even when built from a test run (NODE_ENV=test): a development
    // build is nearly twice the size and renders a 1,000-row fleet table much slower.
    const script = /src="\/assets\/(index-[\w-]+\.js)"/.exec(index)?.[1] ?? "";
    expect(readFileSync(join(outDir, "assets", script), "utf8")).not.toContain("jsxDEV");
    expect(await ensureDashboardBuilt({ outDir, workDir })).toEqual({ distDir: outDir, built: false });
    // Nothing half-built is left behind, and the lock is released.
    expect(existsSync(join(workDir, "build.lock"))).toBe(false);
  });

  it("rebuilds a build whose stamp no longer matches the sources", { timeout: 120_000 }, async () => {
    const outDir = join(scratch, "dist");
    writeFileSync(join(outDir, "build-stamp.json"), '{"inputs":"stale"}\n');
    expect(isBuildCurrent(outDir)).toBe(false);
    expect((await ensureDashboardBuilt({ outDir, workDir: join(scratch, "work") })).built).toBe(true);
    expect(isBuildCurrent(outDir)).toBe(true);
  });
});
