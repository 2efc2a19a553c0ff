// Who is calling: API keys resolved to principals. The key's public id (inside keys this server
// made) finds its row and the stored hash is compared in constant time; other keys (an operator's
// PITHEAD_ADMIN_KEY) are found by hash. Positive answers are cached briefly; a revoke in this
// process drops the cache at once, other processes see it within the cache TTL.
import { hash } from "node:crypto";
import { apiKeyId, type Principal, timingSafeEqualString } from "@pithead/http";
import type { ApiKeyRecord } from "../core/model.ts";
import type { StoreReads } from "../store/types.ts";

export interface KeyPrincipal extends Principal {
  /** A client key's wallet, or the payout wallet a miner key is bound to. */
  wallet: string | null;
}

/** How long a resolved key is trusted without reading it again: another process's revocation shows within this. */
export const KEY_CACHE_TTL_MS = 2_000;

export class KeyResolver {
  readonly #reads: StoreReads;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { principal: KeyPrincipal; until: number }>();

  constructor(reads: StoreReads, ttlMs = KEY_CACHE_TTL_MS) {
    this.#reads = reads;
    this.#ttlMs = ttlMs;
  }

  async resolve(token: string): Promise<KeyPrincipal | undefined> {
    // The stored form of a key (hashSecret's SHA-256 hex), in one call: every request hashes its key
    // here, and a Hash object per request costs three times as much.
    const digest = hash("sha256", token, "hex");
    const now = Date.now();
    const cached = this.#cache.get(digest);
    if (cached && cached.until > now) return cached.principal;
    const record = await this.#find(token, digest);
    if (!record || record.revokedAt !== null) {
      this.#cache.delete(digest);
      return undefined;
    }
    const principal: KeyPrincipal = {
      keyId: record.id,
      role: record.role,
      ...(record.wallet !== null ? { subject: record.wallet } : {}),
      wallet: record.wallet,
    };
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(digest, { principal, until: now + this.#ttlMs });
    return principal;
  }

  async #find(token: string, hash: string): Promise<ApiKeyRecord | undefined> {
    const id = apiKeyId(token);
    if (id !== undefined) {
      const record = await this.#reads.keyById(id);
      return record && timingSafeEqualString(record.hash, hash) ? record : undefined;
    }
    return this.#reads.keyByHash(hash);
  }

  forget(): void {
    this.#cache.clear();
  }
}
