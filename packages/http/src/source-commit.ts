// The git commit a server runs from, when it runs from a checkout: every package says 0.1.0, so
// after an in-place upgrade only the commit tells an operator (or a bug report) which build answers.
// Read from .git directly (no git process at start); undefined outside a checkout.
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The root of the Pithead checkout `start` lies in: the nearest directory whose package.json is Pithead's. */
function pitheadRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: unknown }).name === "pithead")
        return dir;
    } catch {
      // no package.json here, or not JSON: look further up
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The git directory of the Pithead checkout `start` lies in. Only a .git at Pithead's own root
 * counts: a copy without one, inside some other repository, has no commit of its own to report.
 */
function gitDirAbove(start: string): string | undefined {
  const root = pitheadRoot(start);
  if (!root) return undefined;
  const candidate = join(root, ".git");
  try {
    if (statSync(candidate).isDirectory()) return candidate;
    // A worktree or submodule: ".git" is a file naming the real git directory.
    const pointer = /^gitdir: (.+)$/m.exec(readFileSync(candidate, "utf8"))?.[1];
    return pointer ? resolve(root, pointer.trim()) : undefined;
  } catch {
    return undefined;
  }
}

function resolveRef(gitDir: string, ref: string): string | undefined {
  for (const dir of [gitDir, commonDir(gitDir)]) {
    try {
      return readFileSync(join(dir, ref), "utf8").trim();
    } catch {
      // packed, or in the common directory
    }
    try {
      const packed = readFileSync(join(dir, "packed-refs"), "utf8");
      const line = packed.split("\n").find((entry) => entry.endsWith(` ${ref}`));
      if (line) return line.split(" ")[0];
    } catch {
      // no packed refs here
    }
  }
  return undefined;
}

function commonDir(gitDir: string): string {
  try {
    return resolve(gitDir, readFileSync(join(gitDir, "commondir"), "utf8").trim());
  } catch {
    return gitDir;
  }
}

let cached: { commit: string | undefined } | undefined;

/** The first 12 hex digits of the checked-out commit above `from` (this package by default). */
export function sourceCommit(from: string = import.meta.dirname): string | undefined {
  if (cached && from === import.meta.dirname) return cached.commit;
  let commit: string | undefined;
  const gitDir = gitDirAbove(from);
  if (gitDir) {
    try {
      const head = readFileSync(join(gitDir, "HEAD"), "utf8").trim();
      const ref = /^ref: (.+)$/.exec(head)?.[1];
      const hash = ref ? resolveRef(gitDir, ref) : head;
      if (hash && /^[0-9a-f]{40,64}$/.test(hash)) commit = hash.slice(0, 12);
    } catch {
      commit = undefined;
    }
  }
  if (from === import.meta.dirname) cached = { commit };
  return commit;
}
