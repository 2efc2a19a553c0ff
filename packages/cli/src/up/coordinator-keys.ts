// The client and miner keys `pithead up` needs from its coordinator: made once through the admin
// API, checked on every restart (a wiped database or a revoked key gets a new one), and the client
// wallet funded once so the dashboard's first job can be paid for. A miner id stays bound to the key
// that first registered it, so a new miner key gets an id no miner has registered yet.

import { randomUUID } from "node:crypto";
import { CoordinatorClient } from "@pithead/coordinator";
import type { UpKeys } from "./up-keys.ts";

export const CLIENT_WALLET = "up-client";
export const MINER_WALLET = "up-miner";
export const MINER_ID = "up-miner-1";
/** What the client wallet starts with: a thousand jobs at the form's default reward. */
export const STARTING_FUNDS = 1_000_000;

/**
 * Whether a miner with this id is registered. /v1/admin/miners answers a page at a time (by
 * miner_id); every page is read, following `next_after` until it is null (or absent: a coordinator
 * from before paging answers every miner at once).
 */
export async function minerIdRegistered(admin: CoordinatorClient, minerId: string, pageSize = 1000): Promise<boolean> {
  let after: string | null = null;
  do {
    const query: string = `?limit=${pageSize}${after === null ? "" : `&after=${encodeURIComponent(after)}`}`;
    const { body } = await admin.request<{ miners: { miner_id: string }[]; next_after?: string | null }>(
      "GET",
      `/v1/admin/miners${query}`,
    );
    if (body.miners.some((miner) => miner.miner_id === minerId)) return true;
    after = body.next_after ?? null;
  } while (after !== null);
  return false;
}

/** Returns the keys with `client` and `miner` present and valid; `changed` when any was made. */
export async function ensureCoordinatorKeys(url: string, keys: UpKeys): Promise<{ keys: UpKeys; changed: boolean }> {
  const admin = new CoordinatorClient(url, keys.coordinatorAdminKey);
  const live = new Set((await admin.listKeys()).filter((key) => key.revoked_at === null).map((key) => key.id));
  const next: UpKeys = { ...keys };
  let changed = false;
  if (!next.client || !live.has(next.client.id)) {
    const created = await admin.createKey({
      role: "client",
      label: "pithead up: dashboard client",
      wallet: CLIENT_WALLET,
    });
    if (!created.key) throw new Error("the coordinator did not return the new client key");
    await admin.fund(CLIENT_WALLET, STARTING_FUNDS, randomUUID());
    next.client = { id: created.id, key: created.key, wallet: CLIENT_WALLET };
    changed = true;
  }
  if (!next.miner || !live.has(next.miner.id)) {
    // Bound to its wallet: a replacement key's miner is paid into the same wallet as the one before.
    const created = await admin.createKey({ role: "miner", label: `pithead up: ${MINER_ID}`, wallet: MINER_WALLET });
    if (!created.key) throw new Error("the coordinator did not return the new miner key");
    // A replacement key, or a first key on a database where up-miner-1 is registered already (its
    // keys.json was lost): a new id, which no other key holds.
    const taken = next.miner !== undefined || (await minerIdRegistered(admin, MINER_ID));
    const minerId = taken ? `${MINER_ID}-${created.id.slice(0, 6)}` : MINER_ID;
    next.miner = { id: created.id, key: created.key, minerId, wallet: MINER_WALLET };
    changed = true;
  }
  return { keys: next, changed };
}
