// Which build answers: /health and `pithead --version` carry the checked-out commit, read from .git
// in every layout git leaves (a branch ref, packed refs, a detached head, a worktree's .git file).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sourceCommit } from "../src/source-commit.ts";

const A = "0123456789abcdef0123456789abcdef01234567";
const B = "89abcdef0123456789abcdef0123456789abcdef";
const dirs: string[] = [];
function repo(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "pithead-commit-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, "packages/http/src"), { recursive: true });
  if (!("package.json" in files)) writeFileSync(join(root, "package.json"), '{"name":"pithead"}');
  return join(root, "packages/http/src");
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("sourceCommit", () => {
  it("reads a branch's ref, or its line in packed-refs, or a detached head", () => {
    expect(sourceCommit(repo({ ".git/HEAD": "ref: refs/heads/main\n", ".git/refs/heads/main": `${A}\n` }))).toBe(
      A.slice(0, 12),
    );
    const packed = repo({
      ".git/HEAD": "ref: refs/heads/main\n",
      ".git/packed-refs": `# pack-refs\n${B} refs/heads/main\n`,
    });
    expect(sourceCommit(packed)).toBe(B.slice(0, 12));
    expect(sourceCommit(repo({ ".git/HEAD": `${B}\n` }))).toBe(B.slice(0, 12));
  });

  it("follows a worktree's .git file to its git directory and the shared refs", () => {
    const root = mkdtempSync(join(tmpdir(), "pithead-commit-wt-"));
    dirs.push(root);
    mkdirSync(join(root, "main/.git/worktrees/wt"), { recursive: true });
    mkdirSync(join(root, "main/.git/refs/heads"), { recursive: true });
    writeFileSync(join(root, "main/.git/refs/heads/feature"), `${A}\n`);
    writeFileSync(join(root, "main/.git/worktrees/wt/HEAD"), "ref: refs/heads/feature\n");
    writeFileSync(join(root, "main/.git/worktrees/wt/commondir"), "../..\n");
    mkdirSync(join(root, "wt/packages"), { recursive: true });
    writeFileSync(join(root, "wt/.git"), `gitdir: ${join(root, "main/.git/worktrees/wt")}\n`);
    writeFileSync(join(root, "wt/package.json"), '{"name":"pithead"}');
    expect(sourceCommit(join(root, "wt/packages"))).toBe(A.slice(0, 12));
  });

  it("is undefined outside a checkout or when HEAD names nothing readable", () => {
    const outside = mkdtempSync(join(tmpdir(), "pithead-commit-none-"));
    dirs.push(outside);
    // tmpdir itself is not inside a checkout on any machine this runs on.
    expect(sourceCommit(outside)).toBeUndefined();
    expect(sourceCommit(repo({ ".git/HEAD": "ref: refs/heads/gone\n" }))).toBeUndefined();
  });

  it("is undefined for a copy without .git inside another repository: that commit is not Pithead's", () => {
    // /host is some other project's checkout; Pithead was copied (git archive, a tarball) into /host/vendor.
    const host = repo({ ".git/HEAD": `${A}\n`, "package.json": '{"name":"host-project"}' });
    const vendor = join(host, "..", "..", "..", "vendor");
    mkdirSync(join(vendor, "packages/http/src"), { recursive: true });
    writeFileSync(join(vendor, "package.json"), '{"name":"pithead"}');
    expect(sourceCommit(join(vendor, "packages/http/src"))).toBeUndefined();
    // Pithead checked out there (its own .git) reports its own commit.
    mkdirSync(join(vendor, "git"), { recursive: true });
    writeFileSync(join(vendor, ".git"), `gitdir: ${join(vendor, "git")}\n`);
    writeFileSync(join(vendor, "git/HEAD"), `${B}\n`);
    expect(sourceCommit(join(vendor, "packages/http/src"))).toBe(B.slice(0, 12));
  });
});
