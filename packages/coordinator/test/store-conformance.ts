// The store contract, checked the same way on every store: each test runs ops (the transactions
// with their contracts written above them in src/ops) against a real database and a manual clock.
import { HttpError } from "@pithead/http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { accounts, type JsonValue, type MinerCapabilities } from "../src/core/model.ts";
import { cancelJob } from "../src/ops/cancel-job.ts";
import { claimJobs } from "../src/ops/claim-jobs.ts";
import type { OpsContext } from "../src/ops/context.ts";
import { setDraining } from "../src/ops/drain-miner.ts";
import { failLease } from "../src/ops/fail-job.ts";
import { fundWallet } from "../src/ops/fund-wallet.ts";
import { heartbeat } from "../src/ops/heartbeat.ts";
import { idempotent } from "../src/ops/idempotent.ts";
import { createKey, revokeKey } from "../src/ops/keys.ts";
import { releaseLeases } from "../src/ops/release-leases.ts";
import { type SubmitJobInput, submitJob } from "../src/ops/submit-job.ts";
import { submitProof } from "../src/ops/submit-proof.ts";
import { sweep } from "../src/ops/sweep.ts";
import { loadOrCreateReceiptSigner } from "../src/service/receipt-signer.ts";
import type { CoordinatorStore, JobEvent, Tx } from "../src/store/types.ts";
import { type ManualClock, manualClock } from "./support/clock.ts";
import { sha256 } from "./support/coordinator.ts";
import { tempDir } from "./support/temp-dir.ts";

export interface StoreUnderTest {
  store: CoordinatorStore;
  /** Verifies the store's ledger partition end to end; returns the number of records. */
  verifyLedger(): Promise<{ ok: boolean; records: number }>;
  close(): Promise<void>;
}

export type OpenStore = (clock: () => number) => Promise<StoreUnderTest>;

const SHA_A = sha256("output a");
const SHA_B = sha256("output b");

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HttpError) return error.code;
    throw error;
  }
  return "no error";
}

export function describeStoreContract(name: string, open: OpenStore): void {
  describe(`store contract: ${name}`, () => {
    const dir = tempDir();
    const clock: ManualClock = manualClock();
    let subject: StoreUnderTest;
    let store: CoordinatorStore;
    const events: JobEvent[] = [];
    const ctx: OpsContext = {
      policy: {
        feeBps: 100,
        leaseTtlS: 60,
        heartbeatTimeoutS: 90,
        maxInFlightPerMiner: 8,
        idempotencyRetentionS: 3_600,
      },
      signer: loadOrCreateReceiptSigner(`${dir.path}/receipt.key`),
    };
    let counter = 0;
    const unique = (prefix: string) => `${prefix}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;

    beforeEach(() => {
      freshWorkload();
    });

    beforeAll(async () => {
      subject = await open(clock);
      store = subject.store;
      store.subscribe((batch) => events.push(...batch));
    });
    afterAll(async () => {
      await subject?.close();
      dir[Symbol.dispose]();
    });

    const client = async (funds = 10_000) => {
      const wallet = unique("client");
      const created = await store.write((tx) => createKey(tx, { role: "client", label: null, wallet }));
      if (funds > 0) await store.write((tx) => fundWallet(tx, wallet, funds));
      return { keyId: created.record.id, wallet };
    };
    // Each test works on its own workload, so jobs other tests left queued never reach its miners.
    let workload = "torch_bench";
    const freshWorkload = () => {
      workload = `w${++counter}_${Math.random().toString(36).slice(2, 8)}`;
      return workload;
    };
    const miner = async (
      options: { wallet?: string; bound?: boolean; capabilities?: MinerCapabilities; gpu?: boolean } = {},
    ) => {
      const minerId = unique("miner");
      const bound = options.bound ? (options.wallet ?? null) : null;
      const created = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: bound }));
      await store.write((tx) =>
        heartbeat(tx, ctx, {
          keyId: created.record.id,
          minerId,
          wallet: options.wallet ?? unique("mw"),
          mode: options.gpu ? "gpu" : "cpu",
          gpu: options.gpu ?? false,
          capabilities: { workloads: [workload], ...options.capabilities },
        }),
      );
      return { keyId: created.record.id, minerId, wallet: options.wallet ?? "" };
    };
    const submitIn = (tx: Tx, owner: { keyId: string; wallet: string }, extra: Partial<SubmitJobInput> = {}) =>
      submitJob(tx, {
        clientKeyId: owner.keyId,
        clientWallet: owner.wallet,
        workload,
        params: { n: 1 },
        constraints: {},
        reward: 100,
        verification: { mode: "none", replicas: 1, quorum: 1 },
        ttlS: 600,
        maxRuntimeS: 300,
        maxAttempts: 3,
        ...extra,
      });
    const submit = (owner: { keyId: string; wallet: string }, extra: Partial<SubmitJobInput> = {}) =>
      store.write((tx) => submitIn(tx, owner, extra));
    const claim = (who: { keyId: string; minerId: string }, maxJobs = 1, slots = 1) =>
      store.write((tx) => claimJobs(tx, ctx, { keyId: who.keyId, minerId: who.minerId, maxJobs, slots }));
    const prove = (who: { minerId: string }, jobId: string, outputSha = SHA_A, leaseToken: string | null = null) =>
      store.write((tx) =>
        submitProof(tx, ctx, {
          minerId: who.minerId,
          jobId,
          outputSha,
          metrics: { seconds: 1 },
          mode: "cpu",
          output: null,
          signature: null,
          leaseToken,
        }),
      );
    const balance = async (address: string) => (await store.reads.wallet(address))?.balance ?? 0;
    const walletOf = async (minerId: string) => (await store.reads.miner(minerId))?.wallet ?? "";
    const beat = (who: { keyId: string; minerId: string }, wallet: string) =>
      store.write((tx) =>
        heartbeat(tx, ctx, {
          keyId: who.keyId,
          minerId: who.minerId,
          wallet,
          mode: "cpu",
          gpu: false,
          capabilities: null,
        }),
      );

    it("escrows reward × replicas at submission, and refuses what the wallet cannot cover without writing", async () => {
      const owner = await client(500);
      const job = await submit(owner, { reward: 100, verification: { mode: "replicate", replicas: 3, quorum: 2 } });
      expect(job).toMatchObject({ state: "QUEUED", openSlots: 3, escrow: 300 });
      expect(await balance(owner.wallet)).toBe(200);
      const before = await store.reads.jobs({ clientKeyId: owner.keyId, limit: 10 });
      expect(await codeOf(submit(owner, { reward: 201 }))).toBe("INSUFFICIENT_FUNDS");
      expect(await store.reads.jobs({ clientKeyId: owner.keyId, limit: 10 })).toHaveLength(before.length);
      expect(await balance(owner.wallet)).toBe(200);
      expect(await codeOf(submit(owner, { verification: { mode: "replicate", replicas: 2, quorum: 3 } }))).toBe(
        "INVALID_VERIFICATION",
      );
    });

    it("lists a client's jobs newest first by state and by workload, each page going on from the last", async () => {
      const owner = await client();
      const made = [];
      for (const name of [workload, "other_work", workload, "other_work", workload])
        made.push(await submit(owner, { workload: name }));
      const ids = (jobs: { id: string }[]) => jobs.map((job) => job.id);
      const mine = made.filter((job) => job.workload === workload).reverse();
      const first = await store.reads.jobs({ clientKeyId: owner.keyId, workload, limit: 2 });
      expect(ids(first)).toEqual(ids(mine.slice(0, 2)));
      const rest = await store.reads.jobs({ clientKeyId: owner.keyId, workload, limit: 2, beforeSeq: first[1]?.seq });
      expect(ids(rest)).toEqual(ids(mine.slice(2)));
      expect(await store.reads.jobs({ clientKeyId: owner.keyId, workload, state: "COMPLETED", limit: 5 })).toEqual([]);
      expect(ids(await store.reads.jobs({ clientKeyId: owner.keyId, workload: "other_work", limit: 5 }))).toEqual(
        ids(made.filter((job) => job.workload === "other_work").reverse()),
      );
    });

    it("leases a job to exactly one of many miners claiming at once", async () => {
      const owner = await client();
      const job = await submit(owner);
      const miners = await Promise.all(Array.from({ length: 6 }, () => miner()));
      const results = await Promise.all(miners.map((m) => claim(m)));
      const winners = results.flat().filter((claimed) => claimed.job.id === job.id);
      expect(winners).toHaveLength(1);
      const assignments = await store.reads.assignments(job.id);
      expect(assignments.filter((a) => a.state === "LEASED")).toHaveLength(1);
      expect((await store.reads.job(job.id))?.state).toBe("LEASED");
    });

    it("hands out jobs in queue order and never more than the free slots", async () => {
      const owner = await client();
      const jobs = [];
      for (let i = 0; i < 4; i++) jobs.push(await submit(owner));
      const m = await miner({ capabilities: { concurrency: 3 } });
      const first = await claim(m, 2, 8);
      expect(first.map((c) => c.job.id)).toEqual([jobs[0]?.id, jobs[1]?.id]);
      expect(first.map((c) => c.assignment.attempt)).toEqual([1, 1]);
      // Declared concurrency 3: one more, however many it asks for.
      expect(await claim(m, 5, 8)).toHaveLength(1);
      expect(await claim(m, 5, 8)).toHaveLength(0);
      expect(await store.reads.inFlight(m.minerId)).toBe(3);
    });

    it("jobs a miner names as done free its slots, but only its own leased ones, and never past the coordinator's limit", async () => {
      const owner = await client();
      const jobs = [];
      for (let i = 0; i < 12; i++) jobs.push(await submit(owner));
      const m = await miner({ capabilities: { concurrency: 1 } });
      const other = await miner();
      const claimDone = (who: { keyId: string; minerId: string }, done: string[]) =>
        store.write(
          (tx) => claimJobs(tx, ctx, { keyId: who.keyId, minerId: who.minerId, maxJobs: 1, slots: 1, done }),
          {
            minerIds: [who.minerId],
            jobIds: done,
          },
        );
      const [held] = await claim(m);
      const [theirs] = await claim(other);
      expect(await claim(m)).toHaveLength(0);
      // Another miner's job, an unknown id and a job not leased at all free nothing.
      const unknown = "00000000-0000-4000-8000-000000000000";
      expect(await claimDone(m, [theirs?.job.id ?? "", unknown, jobs[11]?.id ?? ""])).toHaveLength(0);
      // Its own finished job (proof on the way) frees its one slot: the next job is leased at once.
      const [next] = await claimDone(m, [held?.job.id ?? ""]);
      expect(next?.job.id).toBe(jobs[2]?.id);
      expect(await store.reads.inFlight(m.minerId)).toBe(2);
      // Naming it twice, or naming the job it just got, does not free a second slot...
      expect(await claimDone(m, [held?.job.id ?? "", held?.job.id ?? ""])).toHaveLength(0);
      // ...and a proved job is no longer leased: naming it frees nothing.
      await prove(m, held?.job.id ?? "");
      expect(await claimDone(m, [held?.job.id ?? ""])).toHaveLength(0);
      // The coordinator's per-miner limit (8 here) caps the leases held however a miner counts.
      const greedy = await miner({ capabilities: { concurrency: 1 } });
      const leased: string[] = [];
      for (let i = 0; i < 12; i++) {
        const got = await claimDone(greedy, leased);
        if (got.length === 0) break;
        leased.push(...got.map((c) => c.job.id));
      }
      expect(await store.reads.inFlight(greedy.minerId)).toBe(ctx.policy.maxInFlightPerMiner);
    });

    // A long-polling miner's follow-up claim reads its first candidate page with the batch's first
    // rows, before the batch's ops ran: those ops' changes must still count.
    const pageFor = (who: { minerId: string }, wallet: string) => ({
      minerIds: [who.minerId],
      candidates: [{ minerId: who.minerId, wallet, workloads: [workload], limit: 16 }],
    });

    it("a claim answered from a candidate page read ahead sees what its batch did before it", async () => {
      const owner = await client();
      const queued = await submit(owner);
      const m = await miner({ wallet: unique("mw") });
      const other = await miner();
      // One batch: another miner takes the queued job, a new job is submitted, then the waiting
      // miner claims with the page read when the batch began (which still shows the first job free).
      const [theirs, fresh, mine] = await Promise.all([
        store.write(
          (tx) => claimJobs(tx, ctx, { keyId: other.keyId, minerId: other.minerId, maxJobs: 1, slots: 1 }),
          pageFor(m, m.wallet),
        ),
        submit(owner),
        claim(m),
      ]);
      expect(theirs.map((c) => c.job.id)).toEqual([queued.id]);
      expect(mine.map((c) => c.job.id)).toEqual([fresh.id]);
      for (const id of [queued.id, fresh.id]) {
        expect((await store.reads.assignments(id)).filter((a) => a.state === "LEASED")).toHaveLength(1);
      }
    });

    it("a page read ahead for a wallet the miner no longer has is not used", async () => {
      const owner = await client(3_000);
      const job = await submit(owner, { reward: 1_000, verification: { mode: "replicate", replicas: 2, quorum: 2 } });
      const holder = await miner({ wallet: unique("holder") });
      const holderWallet = await walletOf(holder.minerId);
      await claim(holder);
      // The holder moves on to another wallet (its lease stays with the old one), which leaves that
      // wallet free for another key's miner to name.
      await beat(holder, unique("holder_next"));
      const m = await miner();
      const oldWallet = await walletOf(m.minerId);
      // In the batch whose page was read for its old wallet, the miner moves to the wallet the
      // holder's lease is for: one replica per wallet, so the job's second replica is not for it.
      const [, mine] = await Promise.all([
        store.write(
          (tx) =>
            heartbeat(tx, ctx, {
              keyId: m.keyId,
              minerId: m.minerId,
              wallet: holderWallet,
              mode: "cpu",
              gpu: false,
              capabilities: null,
            }),
          pageFor(m, oldWallet),
        ),
        claim(m),
      ]);
      expect(mine.some((c) => c.job.id === job.id)).toBe(false);
      expect((await store.reads.assignments(job.id)).filter((a) => a.state === "LEASED")).toHaveLength(1);
    });

    it("matches capabilities: a job is skipped by miners that cannot run it, not lost", async () => {
      const owner = await client();
      const job = await submit(owner, { constraints: { gpu: true, min_vram_mb: 8_000 } });
      const cpu = await miner();
      expect((await claim(cpu)).some((c) => c.job.id === job.id)).toBe(false);
      const smallGpu = await miner({ gpu: true, capabilities: { limits: { vram_mb: 4_000 } } });
      expect((await claim(smallGpu)).some((c) => c.job.id === job.id)).toBe(false);
      const bigGpu = await miner({ gpu: true, capabilities: { limits: { vram_mb: 24_000 } } });
      expect((await claim(bigGpu)).map((c) => c.job.id)).toContain(job.id);
    });

    it("refuses claims for unregistered miners and miner ids of other keys; a draining miner gets nothing", async () => {
      const owner = await client();
      await submit(owner);
      const m = await miner();
      const other = await miner();
      expect(await codeOf(claim({ keyId: m.keyId, minerId: "nobody" }))).toBe("MINER_NOT_REGISTERED");
      expect(await codeOf(claim({ keyId: other.keyId, minerId: m.minerId }))).toBe("MINER_ID_TAKEN");
      await store.write((tx) => setDraining(tx, m.minerId, true));
      expect(await claim(m)).toEqual([]);
      await store.write((tx) => setDraining(tx, m.minerId, false));
      expect((await claim(m)).length).toBeGreaterThanOrEqual(0);
    });

    it("completes a job on a valid proof: pays reward − fee, takes the fee, signs a receipt", async () => {
      const owner = await client(1_000);
      const job = await submit(owner, { reward: 1_000 });
      const m = await miner();
      const [claimed] = await claim(m);
      const answer = await prove(m, job.id, SHA_A, claimed?.assignment.leaseToken ?? null);
      expect(answer).toMatchObject({ state: "COMPLETED", credited: 990, accepted: true });
      expect(await balance(await walletOf(m.minerId))).toBe(990);
      expect(await balance(owner.wallet)).toBe(0);
      const done = await store.reads.job(job.id);
      expect(done).toMatchObject({ state: "COMPLETED", escrow: 0, outputSha: SHA_A });
      const [receipt] = await store.reads.receipts(job.id);
      expect(receipt?.receipt).toMatchObject({ job_id: job.id, miner_id: m.minerId, reward: 990, output_sha: SHA_A });
    });

    it("answers a repeated proof the same way and never credits twice; a different proof after it is a conflict", async () => {
      const owner = await client();
      const job = await submit(owner, { reward: 500 });
      const m = await miner();
      await claim(m);
      const first = await prove(m, job.id);
      const again = await prove(m, job.id);
      expect(again).toEqual(first);
      expect(await balance(await walletOf(m.minerId))).toBe(495);
      expect(await codeOf(prove(m, job.id, SHA_B))).toBe("PROOF_CONFLICT");
      expect(await balance(await walletOf(m.minerId))).toBe(495);
    });

    it("lets only the lease holder prove or fail a job, with the current lease token", async () => {
      const owner = await client();
      const job = await submit(owner);
      const holder = await miner();
      const thief = await miner();
      await claim(holder);
      expect(await codeOf(prove(thief, job.id))).toBe("LEASE_NOT_HELD");
      expect(
        await codeOf(
          store.write((tx) => failLease(tx, { minerId: thief.minerId, jobId: job.id, errorCode: "X", message: "" })),
        ),
      ).toBe("LEASE_NOT_HELD");
      expect(await codeOf(prove(holder, job.id, SHA_A, "not-the-token"))).toBe("LEASE_NOT_HELD");
      expect(await codeOf(prove(holder, "00000000-0000-4000-8000-000000000000"))).toBe("JOB_NOT_FOUND");
      expect((await store.reads.job(job.id))?.state).toBe("LEASED");
    });

    it("requeues an expired lease with attempt + 1, and fails and refunds after max_attempts", async () => {
      const owner = await client(1_000);
      const job = await submit(owner, { reward: 400, maxAttempts: 2 });
      const m1 = await miner();
      const m2 = await miner();
      await claim(m1);
      clock.advance(61_000);
      expect(await codeOf(prove(m1, job.id))).toBe("LEASE_EXPIRED");
      const swept = await store.write((tx) => sweep(tx, ctx, 100));
      expect(swept.leasesExpired).toBeGreaterThanOrEqual(1);
      const requeued = await store.reads.job(job.id);
      expect(requeued).toMatchObject({ state: "QUEUED", openSlots: 1, leasesLost: 1 });
      const [second] = await claim(m2);
      expect(second?.assignment.attempt).toBe(2);
      clock.advance(61_000);
      await store.write((tx) => sweep(tx, ctx, 100));
      const failed = await store.reads.job(job.id);
      expect(failed).toMatchObject({ state: "FAILED", errorCode: "ATTEMPTS_EXHAUSTED", escrow: 0 });
      expect(await balance(owner.wallet)).toBe(1_000);
    });

    it("numbers attempts per replica: a replicate×3 job's first leases are attempt 1, a lost one comes back as 2", async () => {
      const owner = await client(1_000);
      const job = await submit(owner, { reward: 100, verification: { mode: "replicate", replicas: 3, quorum: 2 } });
      const [m1, m2, m3, m4] = [await miner(), await miner(), await miner(), await miner()];
      const first = [...(await claim(m1)), ...(await claim(m2)), ...(await claim(m3))];
      expect(first.map((c) => c.assignment.attempt)).toEqual([1, 1, 1]);
      expect(await store.reads.job(job.id)).toMatchObject({ openSlots: 0, attempt: 1, leasesIssued: 3 });
      // m1 and m3 beat; m2's lease runs out.
      clock.advance(50_000);
      await beat(m1, await walletOf(m1.minerId));
      await beat(m3, await walletOf(m3.minerId));
      clock.advance(11_000);
      expect((await store.write((tx) => sweep(tx, ctx, 100))).leasesExpired).toBe(1);
      expect(await store.reads.job(job.id)).toMatchObject({ state: "LEASED", openSlots: 1, openAttempts: [2] });
      const [again] = await claim(m4);
      expect(again?.assignment.attempt).toBe(2);
      expect(await store.reads.job(job.id)).toMatchObject({ attempt: 2, openSlots: 0 });
      // Leased in the same (manual) millisecond, the first three have no order between them: by miner.
      const byMiner = (rows: [string, number, string][]) => rows.sort(([a], [b]) => a.localeCompare(b));
      expect(byMiner((await store.reads.assignments(job.id)).map((a) => [a.minerId, a.attempt, a.state]))).toEqual(
        byMiner([
          [m1.minerId, 1, "LEASED"],
          [m2.minerId, 1, "EXPIRED"],
          [m3.minerId, 1, "LEASED"],
          [m4.minerId, 2, "LEASED"],
        ]),
      );
    });

    it("a replica out of attempts closes: the job goes on while its quorum can be reached, else fails", async () => {
      const owner = await client(10_000);
      const fail = (who: { minerId: string }, jobId: string) =>
        store.write((tx) => failLease(tx, { minerId: who.minerId, jobId, errorCode: "OOM", message: "out of memory" }));
      // 3 replicas, quorum 2, one attempt each: one replica failing leaves two that can still agree.
      const going = await submit(owner, {
        reward: 100,
        maxAttempts: 1,
        verification: { mode: "replicate", replicas: 3, quorum: 2 },
      });
      const [a, b, c] = [await miner(), await miner(), await miner()];
      await claim(a);
      expect(await fail(a, going.id)).toMatchObject({ requeued: true });
      expect(await store.reads.job(going.id)).toMatchObject({ state: "QUEUED", openSlots: 2, openAttempts: [1, 1] });
      await claim(b);
      await claim(c);
      await prove(b, going.id);
      await prove(c, going.id);
      expect(await store.reads.job(going.id)).toMatchObject({ state: "COMPLETED" });
      // 2 replicas, quorum 2, two attempts each: a replica that lost two leases ends the job.
      freshWorkload();
      const doomed = await submit(owner, {
        reward: 100,
        maxAttempts: 2,
        verification: { mode: "replicate", replicas: 2, quorum: 2 },
      });
      const [d, e, f] = [await miner(), await miner(), await miner()];
      await claim(d);
      await claim(e);
      await fail(d, doomed.id);
      const [retry] = await claim(f);
      expect(retry?.assignment.attempt).toBe(2);
      expect(await store.reads.job(doomed.id)).toMatchObject({ state: "LEASED", leasesLost: 1 });
      await fail(f, doomed.id);
      expect(await store.reads.job(doomed.id)).toMatchObject({
        state: "FAILED",
        errorCode: "ATTEMPTS_EXHAUSTED",
        escrow: 0,
        leasesLost: 2,
      });
    });

    it("renews live leases on heartbeat, never past max_runtime_s", async () => {
      const owner = await client();
      const job = await submit(owner, { maxRuntimeS: 100 });
      const m = await miner();
      const [claimed] = await claim(m);
      const leasedAt = claimed?.assignment.leasedAt ?? 0;
      expect(claimed?.assignment.leaseExpiresAt).toBe(leasedAt + 60_000);
      clock.advance(50_000);
      const wallet = await walletOf(m.minerId);
      const beat = await store.write((tx) =>
        heartbeat(tx, ctx, { keyId: m.keyId, minerId: m.minerId, wallet, mode: "cpu", gpu: false, capabilities: null }),
      );
      expect(beat.leasesRenewed).toBeGreaterThanOrEqual(1);
      const renewed = (await store.reads.assignments(job.id))[0];
      expect(renewed?.leaseExpiresAt).toBe(leasedAt + 100_000);
    });

    it("takes a silent miner offline and expires its leases", async () => {
      const owner = await client();
      const job = await submit(owner);
      const m = await miner();
      await claim(m);
      clock.advance(91_000);
      const swept = await store.write((tx) => sweep(tx, ctx, 100));
      expect(swept.minersOffline).toBeGreaterThanOrEqual(1);
      expect((await store.reads.miner(m.minerId))?.online).toBe(false);
      expect((await store.reads.job(job.id))?.state).toBe("QUEUED");
      const lost = (await store.reads.assignments(job.id))[0];
      expect(lost).toMatchObject({ state: "EXPIRED", failCode: "MINER_OFFLINE" });
    });

    it("expires a job still queued after ttl_s and refunds it", async () => {
      const owner = await client(300);
      const job = await submit(owner, { reward: 300, ttlS: 30 });
      clock.advance(31_000);
      await store.write((tx) => sweep(tx, ctx, 100));
      expect(await store.reads.job(job.id)).toMatchObject({ state: "EXPIRED", errorCode: "TTL_EXPIRED", escrow: 0 });
      expect(await balance(owner.wallet)).toBe(300);
    });

    it("removes the outputs of jobs ended longer ago than the result retention, oldest first, and nothing else", async () => {
      const owner = await client();
      const m = await miner();
      const proveWithOutput = async (text: string) => {
        const job = await submit(owner);
        const [claimed] = await claim(m);
        await store.write((tx) =>
          submitProof(tx, ctx, {
            minerId: m.minerId,
            jobId: job.id,
            outputSha: sha256(text),
            metrics: { seconds: 1 },
            mode: "cpu",
            output: new TextEncoder().encode(text),
            signature: null,
            leaseToken: claimed?.assignment.leaseToken ?? null,
          }),
        );
        return job.id;
      };
      const old = await proveWithOutput("old");
      clock.advance(3 * 86_400_000);
      const recent = await proveWithOutput("recent");
      const outputOf = async (jobId: string) => (await store.reads.assignments(jobId))[0]?.proof?.output ?? null;
      // Without a retention nothing goes.
      await store.write((tx) => sweep(tx, ctx, 100));
      expect(await outputOf(old)).not.toBeNull();
      // With one: jobs other tests finished go first, a few per step, until this one's turn.
      const keeping = { ...ctx, policy: { ...ctx.policy, resultRetentionS: 86_400 } };
      for (let step = 0; step < 100 && (await outputOf(old)) !== null; step++) {
        await store.write((tx) => sweep(tx, keeping, 100));
      }
      expect(await outputOf(old)).toBeNull();
      expect(await store.reads.job(old)).toMatchObject({
        state: "COMPLETED",
        outputSha: sha256("old"),
        outputRemovedAt: clock(),
      });
      expect((await store.reads.assignments(old))[0]?.proof?.outputSha).toBe(sha256("old"));
      expect(await store.reads.receipts(old)).toHaveLength(1);
      expect(new TextDecoder().decode((await outputOf(recent)) ?? new Uint8Array())).toBe("recent");
      expect((await store.reads.job(recent))?.outputRemovedAt).toBeUndefined();
      expect((await subject.verifyLedger()).ok).toBe(true);
    });

    it("gives a failed job back for another attempt by another miner", async () => {
      const owner = await client();
      const job = await submit(owner);
      const m1 = await miner();
      await claim(m1);
      const answer = await store.write((tx) =>
        failLease(tx, { minerId: m1.minerId, jobId: job.id, errorCode: "OOM", message: "out of memory" }),
      );
      expect(answer).toMatchObject({ requeued: true, state: "QUEUED" });
      // A miner never gets back a job it gave up on.
      expect((await claim(m1, 8, 8)).some((c) => c.job.id === job.id)).toBe(false);
      const m2 = await miner();
      expect((await claim(m2))[0]?.assignment.attempt).toBe(2);
    });

    it("gives a requeued job ttl_s to be taken again: one no other miner can run expires and is refunded", async () => {
      const owner = await client(400);
      const job = await submit(owner, { reward: 400, ttlS: 30 });
      const only = await miner();
      await claim(only);
      await store.write((tx) =>
        failLease(tx, { minerId: only.minerId, jobId: job.id, errorCode: "OOM", message: "out of memory" }),
      );
      expect((await store.reads.job(job.id))?.startBy).toBe(clock() + 30_000);
      clock.advance(29_000);
      await store.write((tx) => sweep(tx, ctx, 100));
      expect((await store.reads.job(job.id))?.state).toBe("QUEUED");
      clock.advance(2_000);
      const swept = await store.write((tx) => sweep(tx, ctx, 100));
      expect(swept.jobsExpired).toBeGreaterThanOrEqual(1);
      expect(await store.reads.job(job.id)).toMatchObject({
        state: "EXPIRED",
        errorCode: "TTL_EXPIRED",
        errorMessage: "not started again within ttl_s=30 after its last lease was lost",
        escrow: 0,
      });
      expect(await balance(owner.wallet)).toBe(400);
    });

    it("gives a lease a long-poll could not deliver its start deadline back", async () => {
      const owner = await client(100);
      const job = await submit(owner, { ttlS: 30 });
      const m = await miner();
      const [claimed] = await claim(m);
      await store.write((tx) => releaseLeases(tx, [{ jobId: job.id, assignmentId: claimed?.assignment.id ?? "" }]));
      clock.advance(31_000);
      await store.write((tx) => sweep(tx, ctx, 100));
      expect(await store.reads.job(job.id)).toMatchObject({ state: "EXPIRED", errorCode: "TTL_EXPIRED", escrow: 0 });
      expect(await balance(owner.wallet)).toBe(100);
    });

    it("fails and refunds a replicated job whose second replica no miner took within ttl_s", async () => {
      const owner = await client(2_000);
      const job = await submit(owner, {
        reward: 1_000,
        ttlS: 30,
        verification: { mode: "replicate", replicas: 2, quorum: 2 },
      });
      const lone = await miner();
      await claim(lone);
      expect(await prove(lone, job.id, SHA_A)).toMatchObject({ state: "VERIFYING" });
      clock.advance(31_000);
      await store.write((tx) => sweep(tx, ctx, 100));
      expect(await store.reads.job(job.id)).toMatchObject({
        state: "FAILED",
        errorCode: "NO_QUORUM",
        errorMessage: "1 of 2 replicas not started within ttl_s=30; a quorum of 2 can no longer be reached",
        escrow: 0,
      });
      expect(await balance(owner.wallet)).toBe(2_000);
      expect(await balance(await walletOf(lone.minerId))).toBe(0);
    });

    it("goes on with the replicas it has when a slot nobody took closes and the quorum is still reachable", async () => {
      const owner = await client(3_000);
      const job = await submit(owner, {
        reward: 1_000,
        ttlS: 30,
        verification: { mode: "replicate", replicas: 3, quorum: 2 },
      });
      const a = await miner();
      const b = await miner();
      await claim(a);
      clock.advance(10_000);
      await claim(b);
      clock.advance(21_000);
      const swept = await store.write((tx) => sweep(tx, ctx, 100));
      expect(swept.slotsClosed).toBeGreaterThanOrEqual(1);
      expect(await store.reads.job(job.id)).toMatchObject({ state: "LEASED", openSlots: 0, startBy: null });
      // The closed slot cannot be claimed any more.
      expect((await claim(await miner(), 8, 8)).some((c) => c.job.id === job.id)).toBe(false);
      await prove(a, job.id, SHA_A);
      expect(await prove(b, job.id, SHA_A)).toMatchObject({ state: "COMPLETED", credited: 990 });
      // Two replicas paid; the third one's escrow goes back to the client.
      expect(await balance(owner.wallet)).toBe(1_000);
    });

    it("replicates to distinct miners and wallets, pays the agreeing quorum, penalises the dissenter", async () => {
      const owner = await client(3_000);
      const job = await submit(owner, { reward: 1_000, verification: { mode: "replicate", replicas: 3, quorum: 2 } });
      // Two miners share a wallet through keys bound to it (an unbound key may not join it).
      const sameWallet = unique("shared");
      const a = await miner({ wallet: sameWallet, bound: true });
      const twin = await miner({ wallet: sameWallet, bound: true });
      await claim(a);
      expect((await claim(twin, 8, 8)).some((c) => c.job.id === job.id)).toBe(false);
      expect((await claim(a, 8, 8)).some((c) => c.job.id === job.id)).toBe(false);
      const b = await miner();
      const c = await miner();
      await claim(b);
      await claim(c);
      expect(await prove(a, job.id, SHA_A)).toMatchObject({ state: "VERIFYING", credited: 0 });
      expect((await store.reads.pending(sameWallet, 100)) > 0).toBe(true);
      expect(await prove(b, job.id, SHA_B)).toMatchObject({ state: "VERIFYING" });
      expect(await prove(c, job.id, SHA_A)).toMatchObject({ state: "COMPLETED", credited: 990 });
      expect(await balance(sameWallet)).toBe(990);
      expect(await balance(await walletOf(c.minerId))).toBe(990);
      expect(await balance(await walletOf(b.minerId))).toBe(0);
      expect(await balance(owner.wallet)).toBe(1_000);
      expect((await store.reads.miner(b.minerId))?.reputation).toBe(450);
      expect((await store.reads.miner(c.minerId))?.reputation).toBe(510);
      expect(await store.reads.receipts(job.id)).toHaveLength(2);
    });

    it("fails and refunds a replicated job once agreement is impossible", async () => {
      const owner = await client(2_000);
      const job = await submit(owner, { reward: 1_000, verification: { mode: "replicate", replicas: 2, quorum: 2 } });
      const a = await miner();
      const b = await miner();
      await claim(a);
      await claim(b);
      await prove(a, job.id, SHA_A);
      expect(await prove(b, job.id, SHA_B)).toMatchObject({ state: "FAILED", credited: 0 });
      expect(await store.reads.job(job.id)).toMatchObject({ state: "FAILED", errorCode: "NO_QUORUM", escrow: 0 });
      expect(await balance(owner.wallet)).toBe(2_000);
    });

    it("cancels with a refund of what is still escrowed, voids the lease, and refuses once final", async () => {
      const owner = await client(700);
      const job = await submit(owner, { reward: 700 });
      const m = await miner();
      await claim(m);
      const canceled = await store.write((tx) => cancelJob(tx, job.id, owner.keyId));
      expect(canceled.state).toBe("CANCELED");
      expect(await balance(owner.wallet)).toBe(700);
      expect(await codeOf(prove(m, job.id))).toBe("LEASE_NOT_HELD");
      expect(await codeOf(store.write((tx) => cancelJob(tx, job.id, owner.keyId)))).toBe("JOB_FINAL");
      const stranger = await client(0);
      const other = await submit(owner, { reward: 0 });
      expect(await codeOf(store.write((tx) => cancelJob(tx, other.id, stranger.keyId)))).toBe("JOB_NOT_FOUND");
    });

    it("returns leases a long-poll could not deliver without costing an attempt", async () => {
      const owner = await client();
      const job = await submit(owner);
      const m = await miner();
      const [claimed] = await claim(m);
      const released = await store.write((tx) =>
        releaseLeases(tx, [{ jobId: job.id, assignmentId: claimed?.assignment.id ?? "" }]),
      );
      expect(released).toBe(1);
      expect(await store.reads.job(job.id)).toMatchObject({ state: "QUEUED", openSlots: 1, leasesLost: 0 });
      // The replica was never delivered: its next lease is the same attempt.
      expect((await claim(m))[0]?.assignment.attempt).toBe(1);
    });

    it("replays an idempotent op, refuses the key with another request, and stores the answer with the effect", async () => {
      const owner = await client(1_000);
      const scope = { keyId: owner.keyId, idempotencyKey: unique("idem"), requestHash: "h1" };
      const run = (hash: string) =>
        store.write((tx) =>
          idempotent(tx, { ...scope, requestHash: hash }, async () => {
            const job = await submitIn(tx, owner, { reward: 10 });
            return { status: 201, body: { id: job.id } as JsonValue };
          }),
        );
      const first = await run("h1");
      const replay = await run("h1");
      expect(replay).toMatchObject({ status: 201, body: first.body, replayed: true });
      // Reads outside the write path see the stored answer too (a keyed claim looks there first).
      expect(await store.reads.idempotency(owner.keyId, scope.idempotencyKey)).toEqual({
        requestHash: "h1",
        status: 201,
        response: first.body,
      });
      expect(await store.reads.idempotency(owner.keyId, unique("idem"))).toBeUndefined();
      expect(await balance(owner.wallet)).toBe(990);
      expect(await codeOf(run("h2"))).toBe("IDEMPOTENCY_KEY_REUSED");
      // A refused op stores nothing: the same key can be used once the request succeeds.
      const poor = await client(0);
      const failing = store.write((tx) =>
        idempotent(tx, { keyId: poor.keyId, idempotencyKey: "k", requestHash: "x" }, async () => {
          await submitIn(tx, poor, { reward: 10 });
          return { status: 201, body: null };
        }),
      );
      expect(await codeOf(failing)).toBe("INSUFFICIENT_FUNDS");
      expect(await store.write((tx) => tx.idempotency(poor.keyId, "k"))).toBeUndefined();
    });

    it("isolates a failing op from the others in its group commit", async () => {
      const owner = await client(1_000);
      const results = await Promise.allSettled([
        submit(owner, { reward: 100 }),
        submit(owner, { reward: 5_000 }),
        submit(owner, { reward: 200 }),
        // Not a registry error: a bug. The batch is rolled back and retried one op at a time.
        store.write(async (tx) => {
          await tx.insertJob({ id: "duplicate" } as never);
          return 1;
        }),
      ]);
      expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled", "rejected"]);
      expect(await balance(owner.wallet)).toBe(700);
    });

    it("keeps a payout wallet to its keys: an unbound key may not newly name another key's wallet", async () => {
      const owner = await miner({ wallet: unique("owned") });
      const owned = await walletOf(owner.minerId);
      const newcomerKey = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: null }));
      const newcomer = { keyId: newcomerKey.record.id, minerId: unique("newcomer") };
      // Neither at registration nor as a change; nothing is written by a refused beat.
      expect(await codeOf(beat(newcomer, owned))).toBe("WALLET_IN_USE");
      expect(await store.reads.miner(newcomer.minerId)).toBeUndefined();
      const own = unique("own");
      await beat(newcomer, own);
      expect(await codeOf(beat(newcomer, owned))).toBe("WALLET_IN_USE");
      expect(await walletOf(newcomer.minerId)).toBe(own);
      // The owner changes wallets freely among wallets no other key has.
      const next = unique("owned_next");
      await beat(owner, next);
      expect(await codeOf(beat(owner, own))).toBe("WALLET_IN_USE");
      // A wallet bound to a miner key is that key's, even before its miner is paid into it.
      const reserved = unique("reserved");
      const boundKey = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: reserved }));
      expect(boundKey.record.wallet).toBe(reserved);
      expect((await store.reads.keyById(boundKey.record.id))?.wallet).toBe(reserved);
      expect(await store.reads.boundWallet(reserved)).toBe(true);
      expect(await store.reads.boundWallet(own)).toBe(false);
      expect(await codeOf(beat(newcomer, reserved))).toBe("WALLET_IN_USE");
      // Keys bound to a wallet share it with each other and with its miners, and pay into no other.
      const rig = { keyId: boundKey.record.id, minerId: unique("rig") };
      await beat(rig, reserved);
      const secondKey = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: reserved }));
      const second = { keyId: secondKey.record.id, minerId: unique("rig") };
      await beat(second, reserved);
      const joinOwned = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: own }));
      await beat({ keyId: joinOwned.record.id, minerId: unique("rig") }, own);
      expect(await codeOf(beat(second, own))).toBe("KEY_BOUND_TO_OTHER_WALLET");
      expect(await walletOf(second.minerId)).toBe(reserved);
    });

    it("keeps a wallet a key's miner was paid into to that key after its miner moved to another wallet", async () => {
      const owner = await client(1_000);
      const paidInto = unique("paid");
      const earner = await miner({ wallet: paidInto });
      const job = await submit(owner, { reward: 500 });
      const [claimed] = await claim(earner);
      await prove(earner, job.id, SHA_A, claimed?.assignment.leaseToken ?? null);
      expect(await balance(paidInto)).toBe(495);
      // The earner moves on; what is left in its old wallet is not for another key to claim.
      await beat(earner, unique("next"));
      const otherKey = await store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: null }));
      const other = { keyId: otherKey.record.id, minerId: unique("other") };
      expect(await codeOf(beat(other, paidInto))).toBe("WALLET_IN_USE");
      expect(await store.reads.miner(other.minerId)).toBeUndefined();
      // Its own key's miners may go back to it.
      await beat(earner, paidInto);
      expect(await walletOf(earner.minerId)).toBe(paidInto);
    });

    it("never refuses a miner its current wallet, even one it shared with another key's miner before the rule", async () => {
      // Two miners of different keys on one wallet, as an older coordinator let them register.
      const shared = unique("legacy");
      const legacy = [0, 1].map(() => ({ minerId: unique("legacy_miner"), keyId: "" }));
      await store.write(async (tx) => {
        for (const m of legacy) {
          const created = await createKey(tx, { role: "miner", label: null, wallet: null });
          m.keyId = created.record.id;
          await tx.updateKey({ ...created.record, minerId: m.minerId });
          await tx.insertMiner({
            id: m.minerId,
            keyId: m.keyId,
            wallet: shared,
            mode: "cpu",
            gpu: false,
            capabilities: null,
            publicKey: null,
            draining: false,
            stopping: false,
            online: true,
            registeredAt: tx.now,
            lastSeenAt: tx.now,
            reputation: 500,
          });
        }
      });
      for (const m of legacy) expect((await beat(m, shared)).registered).toBe(false);
      // Once one leaves, it cannot come back: the wallet is the other key's miner's now.
      const [first] = legacy;
      if (!first) throw new Error("two legacy miners expected");
      await beat(first, unique("moved"));
      expect(await codeOf(beat(first, shared))).toBe("WALLET_IN_USE");
    });

    it("lets one of two keys naming the same new wallet in one group commit have it", async () => {
      const wallet = unique("contested");
      const keys = await Promise.all(
        [0, 1].map(() => store.write((tx) => createKey(tx, { role: "miner", label: null, wallet: null }))),
      );
      const results = await Promise.all(
        keys.map((key) => codeOf(beat({ keyId: key.record.id, minerId: unique("contender") }, wallet))),
      );
      expect(results.sort()).toEqual(["WALLET_IN_USE", "no error"]);
    });

    it("reads which keys are active: not revoked ones, not unknown ones", async () => {
      const kept = await store.write((tx) => createKey(tx, { role: "client", label: null, wallet: null }));
      const gone = await store.write((tx) => createKey(tx, { role: "client", label: null, wallet: null }));
      await store.write((tx) => revokeKey(tx, gone.record.id));
      const active = await store.reads.activeKeys([kept.record.id, gone.record.id, "no-such-key"]);
      expect([...active]).toEqual([kept.record.id]);
      expect(await store.reads.activeKeys([])).toEqual(new Set());
    });

    it("revokes keys but never the last admin key", async () => {
      const created = await store.write((tx) => createKey(tx, { role: "client", label: "temp", wallet: null }));
      expect(created.record.wallet).toMatch(/^pw_[0-9a-f]{32}$/);
      const revoked = await store.write((tx) => revokeKey(tx, created.record.id));
      expect(revoked.revokedAt).toBe(clock());
      expect((await store.reads.keyById(created.record.id))?.revokedAt).toBe(clock());
      const admin = await store.write((tx) => createKey(tx, { role: "admin", label: null, wallet: null }));
      const admins = (await store.reads.keys()).filter((key) => key.role === "admin" && key.revokedAt === null);
      for (const key of admins.filter((key) => key.id !== admin.record.id)) {
        await store.write((tx) => revokeKey(tx, key.id));
      }
      expect(await codeOf(store.write((tx) => revokeKey(tx, admin.record.id)))).toBe("LAST_ADMIN_KEY");
    });

    it("delivers events only after commit, in order", async () => {
      const owner = await client();
      const before = events.length;
      const job = await submit(owner);
      const m = await miner();
      await claim(m);
      await prove(m, job.id);
      const mine = events.slice(before).filter((event) => event.job_id === job.id);
      expect(mine.map((event) => event.state)).toEqual(["QUEUED", "LEASED", "COMPLETED"]);
      expect(mine.map((event) => event.version)).toEqual([1, 2, 3]);
      expect(await codeOf(submit(owner, { reward: 10 ** 9 }))).toBe("INSUFFICIENT_FUNDS");
      expect(events.slice(before).filter((event) => event.state === "QUEUED")).toHaveLength(1);
    });

    it("keeps the books: postings sum to zero, balances match postings, escrow matches live jobs", async () => {
      const audit = await store.reads.audit();
      expect(audit.unbalanced).toEqual([]);
      expect(audit.mismatched).toEqual([]);
      expect(audit.total).toBe(0);
      expect(audit.held).toBe(audit.funded);
      expect(audit.escrow.account).toBe(audit.escrow.jobs);
      expect(audit.ok).toBe(true);
      const stats = await store.reads.stats(clock());
      expect(stats.funded).toBe(audit.funded);
      expect((await store.reads.wallet(accounts.fee))?.balance).toBe(stats.fees);
    });

    it("reads an account's postings newest first, a page at a time, and its balance through any of them", async () => {
      const owner = await client();
      await submit(owner, { reward: 7 });
      await submit(owner, { reward: 5 });
      const all = await store.reads.postings(owner.wallet, 10);
      expect(all.map((p) => [p.kind, p.amount])).toEqual([
        ["escrow", -5],
        ["escrow", -7],
        ["fund", expect.any(Number)],
      ]);
      expect(all[0]?.id).toBeGreaterThan(all[1]?.id ?? Number.POSITIVE_INFINITY);
      const older = await store.reads.postings(owner.wallet, 10, all[0]?.id);
      expect(older.map((p) => p.id)).toEqual(all.slice(1).map((p) => p.id));
      const balance = (await store.reads.wallet(owner.wallet))?.balance;
      expect(await store.reads.balanceThrough(owner.wallet, all[0]?.id ?? 0)).toBe(balance);
      expect(await store.reads.balanceThrough(owner.wallet, all[1]?.id ?? 0)).toBe((balance ?? 0) + 5);
    });

    it("records every job, lease, proof, receipt and posting in a ledger that verifies", async () => {
      const owner = await client();
      const job = await submit(owner);
      const m = await miner();
      await claim(m);
      await prove(m, job.id);
      const seqs = await store.reads.jobLedgerSeqs(job.id);
      expect(seqs).toHaveLength(4);
      const [receipt] = await store.reads.receipts(job.id);
      expect(seqs).toContain(receipt?.receipt.ledger_seq);
      const report = await subject.verifyLedger();
      expect(report.ok).toBe(true);
      expect(report.records).toBeGreaterThan(50);
    });
  });
}
