// The writes the HTTP layer asks the engine for, as data: a command names an op and carries plain,
// cloneable input, so it can cross to the engine's thread. `commandOp` turns a command into the op
// (with its Idempotency-Key handling and the answer the route sends) that runs in a group commit.
// `hintsOf` says which rows the op will touch, so a batch can load them in one query each.
import type { ApiKeyRecord, JsonValue, Miner, Role } from "../core/model.ts";
import { asJson, iso, jobView } from "../http/views.ts";
import { cancelJob } from "../ops/cancel-job.ts";
import type { OpsContext } from "../ops/context.ts";
import { setDraining } from "../ops/drain-miner.ts";
import { type FailInput, failLease } from "../ops/fail-job.ts";
import { fundWallet } from "../ops/fund-wallet.ts";
import { type HeartbeatInput, type HeartbeatResult, heartbeat } from "../ops/heartbeat.ts";
import { type Answer, type IdempotencyScope, idempotent } from "../ops/idempotent.ts";
import { type AdminKeyOutcome, createKey, ensureAdminKey, revokeKey } from "../ops/keys.ts";
import { releaseLeases } from "../ops/release-leases.ts";
import { type SubmitJobInput, submitJob } from "../ops/submit-job.ts";
import { type ProofInput, submitProof } from "../ops/submit-proof.ts";
import type { Op, WriteHints } from "../store/types.ts";

/** An answer as the route sends it, possibly replayed from an earlier request with the same key. */
export type Replayable = Answer & { replayed: boolean };

/** Every command: [input, output]. */
export interface Commands {
  heartbeat: [HeartbeatInput, HeartbeatResult];
  submitJob: [{ scope: IdempotencyScope; job: SubmitJobInput }, Replayable];
  cancelJob: [{ scope: IdempotencyScope; jobId: string; clientKeyId: string | null }, Replayable];
  submitProof: [{ scope: IdempotencyScope; proof: ProofInput }, Replayable];
  failLease: [{ scope: IdempotencyScope; fail: FailInput }, Replayable];
  createKey: [
    { scope: IdempotencyScope; role: Role; label: string | null; wallet: string | null; minerId?: string | null },
    Replayable,
  ];
  revokeKey: [{ id: string }, ApiKeyRecord];
  fundWallet: [{ scope: IdempotencyScope; address: string; amount: number }, Replayable];
  setDraining: [{ minerId: string; draining: boolean }, Miner];
  ensureAdminKey: [{ configured: string | undefined; pending?: string; configuredBy?: string }, AdminKeyOutcome];
  releaseLeases: [{ leases: { jobId: string; assignmentId: string }[] }, number];
}

export type CommandName = keyof Commands;
export type CommandInput<K extends CommandName> = Commands[K][0];
export type CommandOutput<K extends CommandName> = Commands[K][1];

type Handlers = {
  [K in CommandName]: (
    tx: Parameters<Op<unknown>>[0],
    ctx: OpsContext,
    input: CommandInput<K>,
  ) => Promise<CommandOutput<K>>;
};

const handlers: Handlers = {
  heartbeat: (tx, ctx, input) => heartbeat(tx, ctx, input),
  submitJob: (tx, _ctx, { scope, job }) =>
    idempotent(tx, scope, async () => ({ status: 201, body: asJson(jobView(await submitJob(tx, job))) })),
  cancelJob: (tx, _ctx, { scope, jobId, clientKeyId }) =>
    idempotent(tx, scope, async () => ({
      status: 200,
      body: asJson(jobView(await cancelJob(tx, jobId, clientKeyId))),
    })),
  submitProof: (tx, ctx, { scope, proof }) =>
    idempotent(tx, scope, async () => ({ status: 200, body: await submitProof(tx, ctx, proof) })),
  failLease: (tx, _ctx, { scope, fail }) =>
    idempotent(tx, scope, async () => ({ status: 200, body: { ...(await failLease(tx, fail)) } })),
  createKey: (tx, _ctx, { scope, role, label, wallet, minerId }) =>
    idempotent(tx, scope, async () => {
      const created = await createKey(tx, { role, label, wallet, minerId });
      const view = {
        id: created.record.id,
        role: created.record.role,
        label: created.record.label,
        wallet: created.record.wallet,
        miner_id: created.record.minerId,
        created_at: iso(created.record.createdAt),
      };
      // A replay must not hand the secret out again: it is stored nowhere, the replay says so.
      return { status: 201, body: { ...view, key: created.secret }, stored: { ...view, key: null } };
    }),
  revokeKey: (tx, _ctx, { id }) => revokeKey(tx, id),
  fundWallet: (tx, _ctx, { scope, address, amount }) =>
    idempotent(tx, scope, async () => ({ status: 200, body: (await fundWallet(tx, address, amount)) as JsonValue })),
  setDraining: (tx, _ctx, { minerId, draining }) => setDraining(tx, minerId, draining),
  ensureAdminKey: (tx, _ctx, { configured, pending, configuredBy }) =>
    ensureAdminKey(tx, configured, pending, configuredBy),
  releaseLeases: (tx, _ctx, { leases }) => releaseLeases(tx, leases),
};

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === "string" && Object.hasOwn(handlers, name);
}

export function commandOp<K extends CommandName>(
  ctx: OpsContext,
  name: K,
  input: CommandInput<K>,
): Op<CommandOutput<K>> {
  const handler = handlers[name] as Handlers[K];
  return (tx) => handler(tx, ctx, input);
}

/** The jobs and miners a command reads first: a batch loads them together before its ops run. */
export function hintsOf<K extends CommandName>(name: K, input: CommandInput<K>): WriteHints | undefined {
  switch (name) {
    case "submitProof": {
      const { proof } = input as CommandInput<"submitProof">;
      return { jobIds: [proof.jobId], minerIds: [proof.minerId] };
    }
    case "failLease": {
      const { fail } = input as CommandInput<"failLease">;
      return { jobIds: [fail.jobId], minerIds: [fail.minerId] };
    }
    case "cancelJob":
      return { jobIds: [(input as CommandInput<"cancelJob">).jobId] };
    case "heartbeat":
      return { minerIds: [(input as CommandInput<"heartbeat">).minerId] };
    case "submitJob": {
      const { job } = input as CommandInput<"submitJob">;
      return { wallets: [job.clientWallet], opens: [{ workload: job.workload, slots: job.verification.replicas }] };
    }
    default:
      return undefined;
  }
}
