// Contracts for API keys. Keys are random, shown once, stored as their SHA-256 only.
//   createKey: a client key gets a wallet (the one asked for, else a fresh address), never one a
//     miner of another key is paid into or a miner key is bound to (409 WALLET_IN_USE): the client
//     would spend that miner's earnings. Client keys may share a wallet (a rotated key). A miner key
//     created with a wallet is bound to it: its miner is paid into that wallet only, and may share
//     it with other miners (an operator's rigs), which an unbound key may not (see heartbeat).
//     A miner key created with a miner id is bound to it; a registered miner id moves to the new
//     key (its reputation, wallet and leases with it) only when the key it was registered with is
//     revoked, so a key is rotated without losing the miner id, and never taken from a live key by
//     a typo.
//     Ledger: coordinator.key.created, and coordinator.miner.rebound when an id moved.
//   revokeKey: revoked keys are refused from the next request on; revoking twice is a no-op;
//     refuses to revoke the last active admin key (409) so an operator cannot lock themselves out.
//   ensureAdminKey: at start, registers PITHEAD_ADMIN_KEY (refusing a revoked one) or says that no
//     admin key exists at all; then registers the secret the start wrote to admin.key first
//     (service/admin-key-file.ts), unless another process registered an admin key meanwhile.
import { randomBytes } from "node:crypto";
import { apiKeyId, generateApiKey, type HttpError, hashSecret } from "@pithead/http";
import type { ApiKeyRecord, Miner, Role } from "../core/model.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The key itself: returned once, never stored. */
  secret: string;
}

export function newWalletAddress(): string {
  return `pw_${randomBytes(16).toString("hex")}`;
}

export async function createKey(
  tx: Tx,
  input: { role: Role; label: string | null; wallet: string | null; minerId?: string | null },
): Promise<CreatedKey> {
  const minerId = input.minerId ?? null;
  if (minerId !== null && input.role !== "miner") {
    throw errors.error(
      "VALIDATION_FAILED",
      { field: "body.miner_id" },
      "body.miner_id is only for a miner key (role miner)",
    );
  }
  const miner = minerId === null ? undefined : await tx.miner(minerId);
  const previous = miner ? await tx.keyById(miner.keyId) : undefined;
  if (miner && previous && previous.revokedAt === null) {
    throw errors.error(
      "MINER_ID_KEY_ACTIVE",
      { miner_id: miner.id, key_id: previous.id },
      `miner id ${miner.id} is registered to key ${previous.id}, which is still active: revoke it first (pithead keys revoke ${previous.id}), then bind the id to a new key`,
    );
  }
  if (input.role === "client" && input.wallet !== null && (await tx.walletOfOtherKey(input.wallet, ""))) {
    throw errors.error(
      "WALLET_IN_USE",
      { field: "body.wallet", wallet: input.wallet },
      `Wallet ${input.wallet} is a miner's payout wallet (a miner is paid into it, or a miner key is bound to it): a client key on it would spend that miner's earnings. Give the client key another wallet`,
    );
  }
  const generated = generateApiKey(input.role);
  const record: ApiKeyRecord = {
    id: generated.id,
    hash: generated.hash,
    role: input.role,
    label: input.label,
    wallet: keyWallet(input.role, input.wallet),
    minerId,
    createdAt: tx.now,
    revokedAt: null,
  };
  await tx.insertKey(record);
  await tx.record("coordinator.key.created", {
    key_id: record.id,
    role: record.role,
    label: record.label,
    wallet: record.wallet,
    ...(minerId === null ? {} : { miner_id: minerId }),
  });
  if (miner) {
    await tx.updateMiner({ ...miner, keyId: record.id });
    await tx.record("coordinator.miner.rebound", {
      miner_id: miner.id,
      from_key_id: miner.keyId,
      to_key_id: record.id,
    });
  }
  return { record, secret: generated.key };
}

/** A client key's wallet (a fresh address unless one is asked for); the payout wallet a miner key is bound to. */
function keyWallet(role: Role, asked: string | null): string | null {
  if (role === "client") return asked ?? newWalletAddress();
  if (role === "miner") return asked;
  return null;
}

/**
 * MINER_ID_TAKEN for a heartbeat or claim with another key than the one `miner` is registered to.
 * When that key is revoked (a rotation) it says how to keep the id: an admin binds it to a new key.
 */
export async function minerIdTaken(tx: Tx, miner: Miner): Promise<HttpError> {
  const owner = await tx.keyById(miner.keyId);
  if (!owner || owner.revokedAt === null) {
    return errors.error(
      "MINER_ID_TAKEN",
      { miner_id: miner.id, registered_key_revoked: false },
      `miner id ${miner.id} is registered to another key, which is still active: use that key, or set another MINER_ID`,
    );
  }
  return errors.error(
    "MINER_ID_TAKEN",
    { miner_id: miner.id, registered_key_revoked: true, key_id: owner.id },
    `miner id ${miner.id} is registered to key ${owner.id}, revoked ${new Date(owner.revokedAt).toISOString()}: to keep this id and its reputation, an admin creates its new key bound to it (pithead keys create --role miner --miner-id ${miner.id}, or POST /v1/admin/keys {"role":"miner","miner_id":"${miner.id}"}) and the miner uses that key`,
  );
}

export async function revokeKey(tx: Tx, id: string): Promise<ApiKeyRecord> {
  const key = await tx.keyById(id);
  if (!key) throw errors.error("KEY_NOT_FOUND", { key_id: id });
  if (key.revokedAt !== null) return key;
  if (key.role === "admin" && (await tx.activeAdminKeys()) <= 1) throw errors.error("LAST_ADMIN_KEY", { key_id: id });
  const revoked = { ...key, revokedAt: tx.now };
  await tx.updateKey(revoked);
  await tx.record("coordinator.key.revoked", { key_id: id, role: key.role });
  return revoked;
}

export class RevokedAdminKeyError extends Error {
  constructor(
    message = "PITHEAD_ADMIN_KEY was revoked: set a different key (or unset it to use the keys in the database)",
  ) {
    super(message);
    this.name = "RevokedAdminKeyError";
  }
}

/** What ensureAdminKey found or did. */
export type AdminKeyOutcome = { kind: "present" } | { kind: "missing" } | { kind: "created"; key: CreatedKey };

/**
 * `configuredBy` names where a configured key came from (PITHEAD_ADMIN_KEY, or `pithead up`'s
 * keys.json): it becomes the key's label, which `keys list` shows, and names it if it was revoked.
 */
export async function ensureAdminKey(
  tx: Tx,
  configured: string | undefined,
  pending?: string,
  configuredBy = "PITHEAD_ADMIN_KEY",
): Promise<AdminKeyOutcome> {
  if (configured !== undefined) {
    const hash = hashSecret(configured);
    const existing = await tx.keyByHash(hash);
    if (existing?.revokedAt !== undefined && existing.revokedAt !== null)
      throw new RevokedAdminKeyError(
        configuredBy === "PITHEAD_ADMIN_KEY"
          ? undefined
          : `the admin key from ${configuredBy} was revoked: put a different admin key there`,
      );
    if (existing) return { kind: "present" };
    const id = apiKeyId(configured) ?? `env-${hash.slice(0, 12)}`;
    await tx.insertKey({
      id,
      hash,
      role: "admin",
      label: configuredBy,
      wallet: null,
      minerId: null,
      createdAt: tx.now,
      revokedAt: null,
    });
    // An admin key that appears this way (a first start, or the way back in after a lost admin.key)
    // is evidence like any other key created.
    await tx.record("coordinator.key.created", { key_id: id, role: "admin", label: configuredBy, wallet: null });
    return { kind: "present" };
  }
  if ((await tx.activeAdminKeys()) > 0) return { kind: "present" };
  const id = pending === undefined ? undefined : apiKeyId(pending);
  if (pending === undefined || id === undefined) return { kind: "missing" };
  const hash = hashSecret(pending);
  if (await tx.keyByHash(hash))
    throw new RevokedAdminKeyError("admin.key holds a revoked key: remove the file and start again");
  const record: ApiKeyRecord = {
    id,
    hash,
    role: "admin",
    label: "first admin key",
    wallet: null,
    minerId: null,
    createdAt: tx.now,
    revokedAt: null,
  };
  await tx.insertKey(record);
  await tx.record("coordinator.key.created", { key_id: id, role: "admin", label: record.label, wallet: null });
  return { kind: "created", key: { record, secret: pending } };
}
