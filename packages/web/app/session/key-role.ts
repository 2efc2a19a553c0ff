// Which role a coordinator key has, for the connection test. A key typed into the wrong field (a
// miner key as the client key) passes any route every role may call (/v1/wallet/balance) and fails
// only later, when submitting is 403. The admin-only stats route tells the roles apart in one cheap
// request: it answers an admin key and refuses any other with 403 FORBIDDEN naming the key's role.

import type { Stats } from "../api/coordinator.ts";
import { ApiError, callJson, serviceUrl } from "../api/http.ts";

export type KeyField = "admin" | "client";

/** GET `path` of the coordinator with `key`; the dashboard goes through its proxy, a test straight. */
export type ReadWithKey = <T>(path: string, key: string) => Promise<T>;

const throughProxy: ReadWithKey = (path, key) =>
  callJson("coordinator", serviceUrl("coordinator", path), { headers: { authorization: `Bearer ${key}` } });

/** What each field's key is for, said when another role's key sits in it. */
const NEEDED: Record<KeyField, string> = {
  admin: "the queue, miners and wallets need the coordinator's admin key",
  client: "submitting jobs needs a client key (pithead keys create --role client), whose wallet pays",
};

const withArticle = (role: string) => `${/^[aeiou]/i.test(role) ? "an" : "a"} ${role} key`;

/** The role a 403 names: the envelope's details.role, or its sentence ("A miner key cannot call…"). */
function refusedRole(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || error.status !== 403) return undefined;
  const role = error.details?.role;
  if (typeof role === "string") return role;
  return /^An? (\w+) key cannot/.exec(error.message)?.[1];
}

/**
 * The connection test's line for the key in the admin or client field: what it was accepted for.
 * Throws, saying which role it has instead, for another role's key; other failures (a refused key,
 * a coordinator down) are thrown as they came.
 */
export async function checkCoordinatorKey(
  field: KeyField,
  key: string,
  read: ReadWithKey = throughProxy,
): Promise<string> {
  let role: string;
  let stats: Stats | undefined;
  try {
    stats = await read<Stats>("/v1/admin/stats", key);
    role = "admin";
  } catch (error) {
    const refused = refusedRole(error);
    if (!refused) throw error;
    role = refused;
  }
  if (role !== field) throw new Error(`this is ${withArticle(role)}, not ${withArticle(field)}: ${NEEDED[field]}`);
  if (stats) return `accepted: ${stats.miners.online} miners online`;
  const wallet = await read<{ address: string }>("/v1/wallet/balance", key);
  return `accepted: wallet ${wallet.address}`;
}
