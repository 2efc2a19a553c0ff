// A real full filesystem: root mounts a small tmpfs and fills it with one file; freeing it gives
// the space back. Undefined when the test cannot mount (not root): the test that needs it skips.
import { execFileSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface FullDisk extends Disposable {
  path: string;
  /** Takes every free block (call again after writing to fill what is left). */
  fill(): void;
  /** Frees what fill() took. */
  free(): void;
}

export function fullDisk(): FullDisk | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const path = mkdtempSync(join(tmpdir(), "pithead-full-disk-"));
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", path], { stdio: "ignore" });
  } catch {
    rmSync(path, { recursive: true, force: true });
    return undefined;
  }
  const filler = join(path, "filler");
  const block = Buffer.alloc(4096);
  return {
    path,
    fill() {
      const fd = openSync(filler, "a");
      try {
        while (statfsSync(path).bavail > 0) writeSync(fd, block);
      } catch {
        // ENOSPC: full.
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, { force: true }),
    [Symbol.dispose]: () => {
      execFileSync("umount", ["-l", path], { stdio: "ignore" });
      rmSync(path, { recursive: true, force: true });
    },
  };
}
