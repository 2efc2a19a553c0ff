// The first admin key's secret, on disk before the database holds its hash. Written the other way
// round, a crash or a full disk between the two left a database with an admin key nobody has;
// this way a start that fails after writing the file registers the same key on the next start.
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { apiKeyId, generateApiKey } from "@pithead/http";
import { createKeyFileOnce } from "@pithead/ledger";

export interface PendingAdminKey {
  path: string;
  secret: string;
  /** This start wrote the file (it held no usable key before). */
  createdNow: boolean;
  /** Where an unusable admin.key was moved, if one was. */
  setAside?: string;
}

function usableKey(text: string): string | undefined {
  const secret = text.trim();
  return secret.startsWith("ph_admin_") && apiKeyId(secret) !== undefined ? secret : undefined;
}

function readKey(path: string): { found: boolean; secret?: string } {
  try {
    const secret = usableKey(readFileSync(path, "utf8"));
    return secret === undefined ? { found: true } : { found: true, secret };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { found: false };
    // The OS's text ("EISDIR: illegal operation on a directory, read") names neither file nor fix.
    if (code === "EISDIR")
      throw new Error(
        `${path} is a directory, not the admin key file: move it away and start again (a new admin key is written there), or set PITHEAD_ADMIN_KEY`,
      );
    throw new Error(
      `cannot read ${path} (${code ?? (error as Error).message}): start the coordinator as the user who owns it, or move it away and start again (a new admin key is written there), or set PITHEAD_ADMIN_KEY`,
    );
  }
}

/** The key in `<dataDir>/admin.key`, or a new one written there durably (mode 600). */
export function pendingAdminKey(dataDir: string): PendingAdminKey {
  const path = join(dataDir, "admin.key");
  const existing = readKey(path);
  if (existing.secret !== undefined) return { path, secret: existing.secret, createdNow: false };
  let setAside: string | undefined;
  if (existing.found) {
    // Not a key this coordinator made (empty, edited): kept for the operator, never overwritten.
    setAside = `${path}.unusable-${randomBytes(3).toString("hex")}`;
    renameSync(path, setAside);
  }
  const secret = generateApiKey("admin").key;
  if (!createKeyFileOnce(path, `${secret}\n`)) {
    // Another process sharing the data directory wrote one first: that one is the key.
    const raced = readKey(path).secret;
    if (raced !== undefined) return { path, secret: raced, createdNow: false };
    throw new Error(`${path} holds no usable admin key: remove it and start again`);
  }
  return { path, secret, createdNow: true, ...(setAside ? { setAside } : {}) };
}

/** Removes a file this start wrote whose key the database did not take (it had an admin key already). */
export function discardPendingAdminKey(pending: PendingAdminKey): void {
  if (pending.createdNow) rmSync(pending.path, { force: true });
}
