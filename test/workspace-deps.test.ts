// Every workspace package a package imports is declared in its package.json: in `dependencies`
// when its own code imports it, in either list when only its tests do. npm links every workspace
// at the root, so an undeclared import works here and breaks where the package is installed (or
// ordered for a build) on its own.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const PACKAGES = join(ROOT, "packages");
const SOURCE = /\.(?:ts|tsx|mts|js|mjs)$/;
/** `from "@pithead/x…"`, `import("@pithead/x…")`, `import "@pithead/x…"` */
const IMPORT = /\b(?:from|import)\s*\(?\s*["'](@pithead\/[\w.-]+)/g;

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist" || entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(entry.name)) yield path;
  }
}

/** A test's file (its imports may be devDependencies): `*.test.*`, or anything under the package's test/. */
const isTestFile = (relativePath: string) =>
  /\.test\.[^.]+$/.test(relativePath) || relativePath.split(sep)[0] === "test";

/** One line per import a package's package.json does not declare where it should. */
function undeclaredImports(): string[] {
  const gaps: string[] = [];
  for (const dir of readdirSync(PACKAGES).sort()) {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(join(PACKAGES, dir, "package.json"), "utf8")) as Manifest;
    } catch {
      continue;
    }
    const runtime = new Set(Object.keys(manifest.dependencies ?? {}));
    const dev = new Set(Object.keys(manifest.devDependencies ?? {}));
    const missing = new Map<string, { list: "dependencies" | "devDependencies"; file: string }>();
    for (const file of sourceFiles(join(PACKAGES, dir))) {
      const path = relative(join(PACKAGES, dir), file);
      const test = isTestFile(path);
      for (const [, name] of readFileSync(file, "utf8").matchAll(IMPORT)) {
        if (name === undefined || name === manifest.name || runtime.has(name)) continue;
        if (test && dev.has(name)) continue;
        const known = missing.get(name);
        // Code's need outranks a test's: it must be a dependency.
        if (!known || (known.list === "devDependencies" && !test))
          missing.set(name, { list: test ? "devDependencies" : "dependencies", file: path });
      }
    }
    for (const [name, { list, file }] of missing)
      gaps.push(`packages/${dir}/package.json: ${name} is not in ${list} (imported by ${file})`);
  }
  return gaps;
}

describe("workspace dependencies", () => {
  it("every @pithead/* package a package imports is declared in its package.json", () => {
    expect(undeclaredImports()).toEqual([]);
  });
});
