// The keys `pithead up` makes once and reuses on every restart, in <data>/keys.json (mode 600):
// the coordinator's admin key, a client key whose wallet pays for jobs, the compute miner's key,
// the agent's API key and the simulated fleet operator's HMAC secret. A keys file others can read
// is refused, as ssh refuses a readable private key.

import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateApiKey } from "@pithead/http";
import { readableByOthers } from "../file-problem.ts";

export interface UpKeys {
  version: 1;
  coordinatorAdminKey: string;
  agentApiKey: string;
  fleet: { operatorId: string; secret: string };
  /** Made through the coordinator's admin API once it runs. */
  client?: { id: string; key: string; wallet: string };
  miner?: { id: string; key: string; minerId: string; wallet: string };
}

export class KeysFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KeysFileError";
  }
}

export const keysFile = (dataDir: string) => join(dataDir, "keys.json");

/** The fleet operator of fresh keys (the ledger check names its partition before keys.json exists). */
export const FRESH_FLEET_OPERATOR = "default";

function fresh(): UpKeys {
  return {
    version: 1,
    coordinatorAdminKey: generateApiKey("admin").key,
    agentApiKey: randomBytes(32).toString("base64url"),
    fleet: { operatorId: FRESH_FLEET_OPERATOR, secret: randomBytes(24).toString("base64url") },
  };
}

function isKeys(value: unknown): value is UpKeys {
  const keys = value as Partial<UpKeys> | null;
  return (
    typeof keys === "object" &&
    keys !== null &&
    keys.version === 1 &&
    typeof keys.coordinatorAdminKey === "string" &&
    typeof keys.agentApiKey === "string" &&
    typeof keys.fleet?.operatorId === "string" &&
    typeof keys.fleet.secret === "string"
  );
}

/** Writes atomically (a temporary file renamed into place), readable by the owner only. */
export function saveUpKeys(dataDir: string, keys: UpKeys): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = keysFile(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export function loadOrCreateUpKeys(dataDir: string): { keys: UpKeys; created: boolean } {
  const file = keysFile(dataDir);
  if (!existsSync(file)) {
    const keys = fresh();
    saveUpKeys(dataDir, keys);
    return { keys, created: true };
  }
  const mode = readableByOthers(file);
  if (mode) throw new KeysFileError(`${file} is readable by others (${mode}): run chmod 600 ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new KeysFileError(
      `${file} is not valid JSON (${(error as Error).message}): fix it, or move it away to make new keys`,
    );
  }
  if (!isKeys(parsed))
    throw new KeysFileError(`${file} is not a pithead up keys file (version 1): move it away to make new keys`);
  return { keys: parsed, created: false };
}

/** The keys file as `pithead up` left it, or undefined (none, readable by others, or not one). */
export function existingUpKeys(dataDir: string): UpKeys | undefined {
  const file = keysFile(dataDir);
  try {
    if (readableByOthers(file)) return undefined;
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    return isKeys(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The operator secret on its own, for `pithead fleet … --secret-file`. */
export function writeSecretFile(file: string, secret: string): void {
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
