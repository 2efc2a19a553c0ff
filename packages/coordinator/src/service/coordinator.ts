// The coordinator's HTTP-side shell: what the routes call. Reads run here on their own connection
// (what they return is durable: on SQLite they wait for the engine's fsync of a commit they saw);
// every write is a command for the engine thread (engine/), which owns the store's writer, the
// long-poll dispatcher and the sweeper. No SQL and no HTTP here.

import type { ArchiveReport } from "@pithead/ledger";
import type { FastifyBaseLogger } from "fastify";
import { minerWorkloads } from "../core/matching.ts";
import type { ApiKeyRecord, JsonValue, Miner } from "../core/model.ts";
import type { CommandInput, CommandName, CommandOutput, Replayable } from "../engine/commands.ts";
import type { EngineClient } from "../engine/engine-client.ts";
import { errors } from "../errors.ts";
import type { Claimed } from "../ops/claim-jobs.ts";
import type { Policy, ReceiptSigner } from "../ops/context.ts";
import { type IdempotencyScope, replay } from "../ops/idempotent.ts";
import type { SweepResult } from "../ops/sweep.ts";
import type { StoreReads } from "../store/types.ts";
import type { KeyPrincipal } from "./auth.ts";
import { KEY_CACHE_TTL_MS, KeyResolver } from "./auth.ts";
import type { EventHub } from "./event-hub.ts";
import { OpenStreams } from "./open-streams.ts";
import { WorkloadOffers } from "./workload-offers.ts";

export type ServiceLog = Pick<FastifyBaseLogger, "info" | "warn" | "error">;

const silent: ServiceLog = { info: () => {}, warn: () => {}, error: () => {} };

export interface ServiceOptions {
  engine: EngineClient;
  reads: StoreReads;
  /** Closes the read connection. */
  closeReads(): Promise<void>;
  storeKind: "sqlite" | "postgres";
  ledgerPartition: string;
  policy: Policy;
  /** The receipt key's public half (the engine thread signs with the private one). */
  signer: Pick<ReceiptSigner, "keyId" | "publicKey" | "publicKeyPem">;
  clock: () => number;
  events: EventHub;
  /** Event streams and long-polls one key may hold at once; 0: no cap. */
  maxStreamsPerKey: number;
  log?: ServiceLog;
}

export interface ClaimRequestInput {
  minerId: string;
  maxJobs: number;
  slots: number;
  /** Jobs the miner has finished whose proofs are on their way (they do not take its slots). */
  done?: readonly string[];
  waitS: number;
  signal: AbortSignal;
  /** The request's Idempotency-Key (see claimReplayable). */
  idempotency?: IdempotencyScope;
}

export class CoordinatorService {
  readonly reads: StoreReads;
  readonly storeKind: "sqlite" | "postgres";
  readonly ledgerPartition: string;
  readonly ctx: { policy: Policy; signer: ServiceOptions["signer"] };
  readonly clock: () => number;
  readonly events: EventHub;
  readonly keys: KeyResolver;
  /** The event streams and long-polls each key holds open. */
  readonly streams: OpenStreams;
  /** What the online miners offer (the submit answer warns about a workload none does). */
  readonly offers: WorkloadOffers;
  readonly #engine: EngineClient;
  readonly #closeReads: () => Promise<void>;
  /** Claims with an Idempotency-Key running here, by key id and key (see claimReplayable). */
  readonly #keyedClaims = new Map<string, Promise<Replayable>>();
  /** Miner keys' bound miner ids, by key id (see boundMinerId). */
  readonly #boundMiners = new Map<string, string>();
  #log: ServiceLog;

  constructor(options: ServiceOptions) {
    this.#engine = options.engine;
    this.reads = options.reads;
    this.#closeReads = options.closeReads;
    this.storeKind = options.storeKind;
    this.ledgerPartition = options.ledgerPartition;
    this.ctx = { policy: options.policy, signer: options.signer };
    this.clock = options.clock;
    this.events = options.events;
    this.#log = options.log ?? silent;
    this.keys = new KeyResolver(this.reads);
    this.offers = new WorkloadOffers(this.reads, this.clock, options.policy.heartbeatTimeoutS);
    this.streams = new OpenStreams({
      max: options.maxStreamsPerKey,
      activeKeys: (ids) => this.reads.activeKeys(ids),
      recheckMs: KEY_CACHE_TTL_MS,
      onError: (error) => this.#log.warn({ err: error }, "could not check the keys of open event streams"),
    });
  }

  get log(): ServiceLog {
    return this.#log;
  }

  /** Logs to the HTTP server's logger once it exists. */
  useLogger(log: ServiceLog): void {
    this.#log = log;
  }

  /** Set once the engine thread died on its own: the coordinator can no longer write. */
  get failure(): Error | undefined {
    return this.#engine.failure;
  }

  /**
   * The engine's writes find the disk full (507 STORAGE_FULL), until they have succeeded a while:
   * heartbeats say so, since a heartbeat's own small write may still fit while proofs do not.
   */
  get diskFull(): boolean {
    return this.#engine.diskFull;
  }

  /** Miners in a long-poll right now. */
  get waiting(): number {
    return this.#engine.waiting;
  }

  /** A write: runs in the engine's next group commit; answers once it is durable. */
  command<K extends CommandName>(name: K, input: CommandInput<K>): Promise<CommandOutput<K>> {
    return this.#engine.command(name, input);
  }

  /** Revokes a key: refused from the next request on, and the streams and long-polls it holds end now. */
  async revokeKey(id: string): Promise<ApiKeyRecord> {
    const revoked = await this.command("revokeKey", { id });
    this.keys.forget();
    this.streams.end(revoked.id);
    return revoked;
  }

  /**
   * The miner id a miner key is bound to (by its first heartbeat). A binding never changes once
   * made (rotating a miner's key makes a new key), so it is read once per key, not per proof.
   */
  async boundMinerId(principal: KeyPrincipal): Promise<string> {
    const bound = this.#boundMiners.get(principal.keyId);
    if (bound !== undefined) return bound;
    const key = await this.reads.keyById(principal.keyId);
    if (!key?.minerId) throw errors.error("MINER_NOT_REGISTERED", { key_id: principal.keyId });
    if (this.#boundMiners.size >= 10_000) this.#boundMiners.clear();
    this.#boundMiners.set(principal.keyId, key.minerId);
    return key.minerId;
  }

  /** The registered miner `minerId`, checked to belong to the calling key. */
  async minerOf(principal: KeyPrincipal, minerId: string): Promise<Miner> {
    const miner = await this.reads.miner(minerId);
    if (!miner) {
      const key = await this.reads.keyById(principal.keyId);
      if (key?.minerId && key.minerId !== minerId) {
        throw errors.error("KEY_BOUND_TO_OTHER_MINER", { miner_id: minerId, bound_to: key.minerId });
      }
      throw errors.error("MINER_NOT_REGISTERED", { miner_id: minerId });
    }
    if (miner.keyId !== principal.keyId) throw errors.error("MINER_ID_TAKEN", { miner_id: minerId });
    return miner;
  }

  /**
   * Hands jobs to a miner: at once if there are any, else (with waitS > 0) the moment one is
   * committed, until the wait ends.
   */
  async claim(principal: KeyPrincipal, input: ClaimRequestInput): Promise<Claimed[]> {
    const miner = await this.minerOf(principal, input.minerId);
    const workloads = minerWorkloads(miner);
    const call = {
      keyId: principal.keyId,
      minerId: input.minerId,
      maxJobs: input.maxJobs,
      slots: input.slots,
      done: input.done ?? [],
      ...(input.idempotency ? { idempotency: input.idempotency } : {}),
    };
    let answer: Promise<Claimed[]>;
    if (input.waitS <= 0) {
      // Most polls find nothing: answer those from a read instead of a write transaction.
      if (!(await this.reads.claimableExists(workloads, this.clock()))) return [];
      answer = this.#engine.claim({ ...call, wait: null }, input.signal);
    } else {
      const wait = {
        deadline: Date.now() + input.waitS * 1000,
        workloads,
        wallet: miner.wallet,
        inFlight: await this.reads.inFlight(input.minerId),
        reputation: miner.reputation,
      };
      answer = this.#engine.claim({ ...call, wait }, input.signal);
    }
    // A request that went away (or a server that is closing) is answered at once; jobs its claim
    // still commits go straight back to the queue rather than stay leased until the lease expires.
    return await new Promise<Claimed[]>((resolve, reject) => {
      const gone = () => resolve([]);
      if (input.signal.aborted) gone();
      else input.signal.addEventListener("abort", gone, { once: true });
      answer.then(
        (claimed) => {
          input.signal.removeEventListener("abort", gone);
          // A wait that ran out while the database was down saw no job because it could not look:
          // "nothing for you" would tell the miner the coordinator works again.
          if (!input.signal.aborted && claimed.length === 0 && this.#engine.databaseDown)
            reject(errors.error("DATABASE_UNAVAILABLE", undefined, undefined, { "retry-after": "5" }));
          else if (!input.signal.aborted) resolve(claimed);
          // A keyed claim's jobs stay leased: its stored answer hands them to the retry.
          else if (claimed.length > 0 && !input.idempotency) this.#giveBack(claimed);
        },
        (error: unknown) => {
          input.signal.removeEventListener("abort", gone);
          reject(error);
        },
      );
    });
  }

  /**
   * A claim with an Idempotency-Key: the first answer that leased jobs is replayed to every retry
   * (stored with the leases, engine/claim-idempotent.ts). A retry arriving while the first still
   * waits here (its client gave up on a long-poll) waits for it, then replays what it got, or claims
   * afresh if it got nothing: one key never leases twice. `view` is the body the route sends.
   */
  async claimReplayable(
    principal: KeyPrincipal,
    input: ClaimRequestInput & { idempotency: IdempotencyScope },
    view: (claimed: Claimed[]) => JsonValue,
  ): Promise<Replayable> {
    const scope = input.idempotency;
    const id = `${scope.keyId}\n${scope.idempotencyKey}`;
    for (let earlier = this.#keyedClaims.get(id); earlier; earlier = this.#keyedClaims.get(id)) {
      await earlier.catch(() => {});
    }
    const run = (async (): Promise<Replayable> => {
      const stored = await this.#storedAnswer(scope);
      if (stored) return stored;
      const claimed = await this.claim(principal, input);
      if (claimed.length > 0) return { status: 200, body: view(claimed), replayed: false };
      // Nothing leased: unless a duplicate in another process stored its answer meanwhile.
      return (await this.#storedAnswer(scope)) ?? { status: 200, body: view([]), replayed: false };
    })();
    this.#keyedClaims.set(id, run);
    try {
      return await run;
    } finally {
      if (this.#keyedClaims.get(id) === run) this.#keyedClaims.delete(id);
    }
  }

  async #storedAnswer(scope: IdempotencyScope): Promise<Replayable | undefined> {
    if (scope.idempotencyKey === undefined) return undefined;
    const previous = await this.reads.idempotency(scope.keyId, scope.idempotencyKey);
    return previous ? replay(scope, previous) : undefined;
  }

  #giveBack(claimed: Claimed[]): void {
    const leases = claimed.map(({ job, assignment }) => ({ jobId: job.id, assignmentId: assignment.id }));
    this.command("releaseLeases", { leases }).catch((error: unknown) =>
      this.#log.error({ err: error }, "giving back the leases of a gone long-poll failed"),
    );
  }

  /** One sweep pass now (expired leases, silent miners, overdue jobs, old idempotency keys). */
  sweep(): Promise<SweepResult> {
    return this.#engine.sweep();
  }

  /** Signs a ledger checkpoint now if records were added since the latest one. */
  checkpoint(): Promise<void> {
    return this.#engine.checkpoint();
  }

  /** Moves old ledger records to --ledger-archive-dir now (the engine also does it hourly). */
  archiveLedger(): Promise<ArchiveReport | undefined> {
    return this.#engine.archiveLedger();
  }

  async close(): Promise<void> {
    this.streams.close();
    await this.#engine.close();
    await this.#closeReads();
  }
}
