// Admin wire types.
import { rejectUnknownFields } from "@pithead/http";
import { type Static, Type } from "typebox";
import { Amount, MinerId, StringEnum, Timestamp, WalletAddress } from "./common.ts";
import { MinerCapabilities } from "./miner.ts";

/** Unknown fields are refused: a mistyped "walet" or "minerid" would mint a key bound to nothing. */
export const CreateKeyRequest = rejectUnknownFields(
  Type.Object({
    role: StringEnum(["client", "miner", "admin"]),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    wallet: Type.Optional(WalletAddress),
    // A miner key only: bound to this miner id. A registered id moves to the new key (reputation and
    // all) once its old key is revoked: how a miner key is rotated without losing the id.
    miner_id: Type.Optional(MinerId),
  }),
);
export type CreateKeyRequest = Static<typeof CreateKeyRequest>;

export const KeyView = Type.Object({
  id: Type.String(),
  role: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  wallet: Type.Union([Type.String(), Type.Null()]),
  miner_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  revoked_at: Type.Union([Timestamp, Type.Null()]),
});
export type KeyView = Static<typeof KeyView>;

export const CreatedKeyResponse = Type.Object({
  id: Type.String(),
  key: Type.Union([Type.String(), Type.Null()], { description: "The key itself: shown once, never stored" }),
  role: Type.String(),
  label: Type.Union([Type.String(), Type.Null()]),
  wallet: Type.Union([Type.String(), Type.Null()]),
  miner_id: Type.Optional(
    Type.Union([Type.String(), Type.Null()], { description: "The miner id a miner key is bound to" }),
  ),
  created_at: Timestamp,
});
export type CreatedKeyResponse = Static<typeof CreatedKeyResponse>;

export const KeyIdParams = Type.Object({ id: Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$" }) });
export const MinerIdParams = Type.Object({ id: Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$" }) });
export const WalletParams = Type.Object({ address: WalletAddress });

/** Money enters the books only here: a body that says more than `amount` is refused, not half-read. */
export const FundRequest = rejectUnknownFields(
  Type.Object({ amount: Type.Integer({ minimum: 1, maximum: 1_000_000_000_000_000 }) }),
);
export type FundRequest = Static<typeof FundRequest>;
export const FundResponse = Type.Object({ address: Type.String(), balance: Amount });

export const MinerView = Type.Object({
  miner_id: Type.String(),
  status: StringEnum(["online", "offline", "draining", "stopping"], {
    description: "stopping: the miner said it is stopping (its shutdown grace); like draining, it gets no new job",
  }),
  wallet: Type.String(),
  mode: Type.String(),
  gpu: Type.Boolean(),
  capabilities: Type.Union([MinerCapabilities, Type.Null()]),
  signs_proofs: Type.Boolean(),
  in_flight: Type.Integer(),
  reputation: Type.Integer(),
  registered_at: Timestamp,
  last_seen_at: Timestamp,
});
export type MinerView = Static<typeof MinerView>;

export const WalletListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(Type.String({ maxLength: 128 })),
});

/** Paged like the wallets: `after` is the last miner_id of the previous page (its `next_after`). */
export const MinerListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  after: Type.Optional(Type.String({ maxLength: 128 })),
});

/** What one sweep did (POST /v1/admin/sweep), in the API's snake_case like every other answer. */
export const SweepResponse = Type.Object({
  miners_offline: Type.Integer({ description: "Miners silent past the heartbeat timeout, taken offline" }),
  leases_expired: Type.Integer({ description: "Leases ended (expired, or their miner offline); the jobs requeued" }),
  jobs_expired: Type.Integer({ description: "Jobs past ttl_s, ended and refunded" }),
  slots_closed: Type.Integer({ description: "Replicated jobs whose open slots closed at their deadline" }),
  idempotency_forgotten: Type.Integer({ description: "Idempotency keys past their retention" }),
  outputs_removed: Type.Integer({ description: "Jobs whose outputs were removed (result retention)" }),
});

export const StatsResponse = Type.Object({
  jobs: Type.Record(Type.String(), Type.Integer()),
  queue_depth: Type.Integer({ description: "Replicas waiting for a miner" }),
  miners: Type.Object({
    online: Type.Integer(),
    offline: Type.Integer(),
    draining: Type.Integer(),
    stopping: Type.Integer(),
  }),
  waiting_miners: Type.Integer({ description: "Long-polls held by this process" }),
  jobs_per_s: Type.Number({ description: "Completions per second over the last minute" }),
  money: Type.Object({ funded: Amount, escrow: Amount, fees: Amount }),
});
