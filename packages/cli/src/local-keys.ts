// Keys for commands run beside `pithead up`: with no key given, they use the ones `pithead up`
// keeps in <data>/keys.json, so `pithead jobs submit` or `pithead keys list` work as they are in a
// second terminal. Only for a coordinator on this machine (a loopback URL), so a local secret is
// never sent to another server, and only from a keys file its owner alone can read.
import { existsSync } from "node:fs";
import { readableByOthers } from "./file-problem.ts";
import { existingUpKeys, keysFile } from "./up/up-keys.ts";

export function isLoopbackUrl(url: string): boolean {
  const host = URL.parse(url)?.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || (host !== undefined && /^127\.\d+\.\d+\.\d+$/.test(host));
}

/** The admin or client key of `pithead up`'s keys file in `dataDir`, for a coordinator at `url`. */
export function upKey(role: "admin" | "client", url: string, dataDir: string): string | undefined {
  if (!isLoopbackUrl(url)) return undefined;
  const keys = existingUpKeys(dataDir);
  return role === "admin" ? keys?.coordinatorAdminKey : keys?.client?.key;
}

/**
 * Why `pithead up`'s keys file in `dataDir` gave no key for `url`, when it is there (undefined when
 * it is not): a keys file refused for its mode is named as such, not as missing.
 */
export function upKeysProblem(role: "admin" | "client", dataDir: string, url: string): string | undefined {
  const file = keysFile(dataDir);
  if (!existsSync(file)) return undefined;
  if (!isLoopbackUrl(url)) return `${file} of pithead up is used only for a coordinator on this machine (not ${url})`;
  const mode = readableByOthers(file);
  if (mode) return `${file} of pithead up is not used because others can read it (${mode}): run chmod 600 ${file}`;
  if (existingUpKeys(dataDir) === undefined) return `${file} is not a pithead up keys file`;
  return `${file} of pithead up holds no ${role} key`;
}

/** Where commands look for `pithead up`'s keys: PITHEAD_DATA, else ./data. */
export const upDataDir = (): string => process.env.PITHEAD_DATA ?? "./data";
