// A directory nothing can be written under, as a read-only mount is: root (which file modes do not
// stop) mounts a read-only tmpfs there; anyone else gets a directory without write permission.
// Undefined when neither works (root without the right to mount): the test that needs it skips.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface ReadOnlyDir extends Disposable {
  path: string;
  /** the errno code a write there fails with */
  code: "EROFS" | "EACCES";
}

export function readOnlyDir(): ReadOnlyDir | undefined {
  const path = mkdtempSync(join(tmpdir(), "pithead-read-only-"));
  const remove = () => rmSync(path, { recursive: true, force: true });
  if (process.getuid?.() !== 0) {
    chmodSync(path, 0o555);
    return {
      path,
      code: "EACCES",
      [Symbol.dispose]: () => {
        chmodSync(path, 0o755);
        remove();
      },
    };
  }
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path], { stdio: "ignore" });
  } catch {
    remove();
    return undefined;
  }
  return {
    path,
    code: "EROFS",
    [Symbol.dispose]: () => {
      execFileSync("umount", [path], { stdio: "ignore" });
      remove();
    },
  };
}
