// Contracts for API keys. Keys are random, shown once, stored as their SHA-256 only.
//   createKey: a client key gets a wallet (the one asked for, else a fresh address).
//   revokeKey: revoked keys are refused from the next request on; revoking twice is a no-op;
//     refuses to revoke the last active admin key (409) so an operator cannot lock themselves out.
//   ensureAdminKey: at start, registers PITHEAD_ADMIN_KEY (refusing a revoked one) or, when no
//     admin key exists at all, creates one and returns its secret to be shown once.
import { randomBytes } from "node:crypto";
import { apiKeyId, generateApiKey, hashSecret } from "@pithead/http";
import type { ApiKeyRecord, Role } from "../core/model.ts";
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
  input: { role: Role; label: string | null; wallet: string | null },
): Promise<CreatedKey> {
  const generated = generateApiKey(input.role);
  const record: ApiKeyRecord = {
    id: generated.id,
    hash: generated.hash,
    role: input.role,
    label: input.label,
    wallet: input.role === "client" ? (input.wallet ?? newWalletAddress()) : null,
    minerId: null,
    createdAt: tx.now,
    revokedAt: null,
  };
  await tx.insertKey(record);
  await tx.record("coordinator.key.created", {
    key_id: record.id,
    role: record.role,
    label: record.label,
    wallet: record.wallet,
  });
  return { record, secret: generated.key };
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
  constructor() {
    super("PITHEAD_ADMIN_KEY was revoked: set a different key (or unset it to use the keys in the database)");
    this.name = "RevokedAdminKeyError";
  }
}

export async function ensureAdminKey(tx: Tx, configured: string | undefined): Promise<CreatedKey | undefined> {
  if (configured !== undefined) {
    const hash = hashSecret(configured);
    const existing = await tx.keyByHash(hash);
    if (existing?.revokedAt !== undefined && existing.revokedAt !== null) throw new RevokedAdminKeyError();
    if (existing) return undefined;
    await tx.insertKey({
      id: apiKeyId(configured) ?? `env-${hash.slice(0, 12)}`,
      hash,
      role: "admin",
      label: "PITHEAD_ADMIN_KEY",
      wallet: null,
      minerId: null,
      createdAt: tx.now,
      revokedAt: null,
    });
    return undefined;
  }
  if ((await tx.activeAdminKeys()) > 0) return undefined;
  return createKey(tx, { role: "admin", label: "first admin key", wallet: null });
}
