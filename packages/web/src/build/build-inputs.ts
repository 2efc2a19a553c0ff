// What the dashboard bundle is built from, and a stamp of it: the browser sources under app/, this
// package's manifest, and the browser-safe fleet signing module that the bundle inlines. A build
// whose stamp matches the inputs' stamp is current; anything else (a fresh clone without dist/, an
// edited source, a pulled change) is rebuilt.

import { createHash } from "node:crypto";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const webRoot = fileURLToPath(new URL("../../", import.meta.url));
export const appDir = join(webRoot, "app");
export const distDir = join(webRoot, "dist");
/** Written into dist/ after a successful build. */
export const STAMP_FILE = "build-stamp.json";

/** Files under `dir`, recursively, in a stable order; a missing directory has none. */
export function listFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const name of entries) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) continue;
    if (stat.isDirectory()) files.push(...listFiles(path));
    else if (stat.isFile()) files.push(path);
  }
  return files;
}

/** The files a build reads that can change in a checkout (dependencies under node_modules are pinned). */
export function buildInputs(): string[] {
  const signModule = fileURLToPath(import.meta.resolve("@pithead/fleet/sign"));
  // The build's own configuration too: a build made under another one (a development bundle) is stale.
  const buildScript = fileURLToPath(new URL("./vite-build.ts", import.meta.url));
  return [...listFiles(appDir), join(webRoot, "package.json"), signModule, buildScript];
}

/**
 * A digest of the inputs' paths, sizes and modification times. Cheap (no file is read), and any
 * edit, added or deleted file changes it.
 */
export function inputsStamp(files: readonly string[], root = webRoot): string {
  const hash = createHash("sha256");
  for (const file of files) {
    const stat = statSync(file, { throwIfNoEntry: false });
    hash.update(`${relative(root, file)}\0${stat ? `${stat.size}\0${Math.trunc(stat.mtimeMs)}` : "missing"}\n`);
  }
  return hash.digest("hex");
}
