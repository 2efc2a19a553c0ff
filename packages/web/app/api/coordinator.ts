// The coordinator's API as the dashboard uses it. Admin calls (stats, miners, wallets, ledger)
// need the admin key; submitting needs a client key (its wallet pays); reading jobs works with
// either (an admin sees every job, a client its own).

import { callJson, callRaw, serviceUrl } from "./http.ts";

export const JOB_STATES = ["QUEUED", "LEASED", "VERIFYING", "COMPLETED", "FAILED", "CANCELED", "EXPIRED"] as const;
export type JobState = (typeof JOB_STATES)[number];
export const FINAL_STATES: readonly string[] = ["COMPLETED", "FAILED", "CANCELED", "EXPIRED"];

export interface Job {
  id: string;
  state: JobState;
  workload: string;
  params: unknown;
  reward: number;
  verification: { mode: string; replicas: number; quorum: number };
  attempt: number;
  client: string;
  escrow: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  /** When the open slots expire if no miner leases them (null while none is open). */
  start_by: string | null;
  output_sha: string | null;
  /** Set once the coordinator's result retention removed the output (the result is then 410). */
  output_removed_at?: string;
  error: { code: string; message: string } | null;
  max_runtime_s: number;
  leases?: {
    miner_id: string;
    state: string;
    attempt: number;
    leased_at: string;
    lease_expires_at: string;
    output_sha: string | null;
    verdict: string | null;
    /** Why the lease ended without a proof (absent from coordinators before it was added). */
    error?: { code: string; message: string } | null;
  }[];
}

export interface SignedReceipt {
  receipt: Record<string, unknown> & {
    receipt_id: string;
    job_id: string;
    miner_id: string;
    reward: number;
    output_sha: string;
    units: number;
    unit_type: string;
    ledger_seq: number;
  };
  signature: string;
  key_id: string;
  algorithm: string;
}

export interface JobResult {
  job_id: string;
  output: string | null;
  output_encoding: "utf8" | "base64";
  output_sha: string;
  metrics: Record<string, unknown>;
  receipt: SignedReceipt | null;
  receipts: SignedReceipt[];
}

export interface Stats {
  jobs: Record<string, number>;
  queue_depth: number;
  /** `stopping` is absent from a coordinator older than the heartbeat's stopping flag. */
  miners: { online: number; offline: number; draining: number; stopping?: number };
  waiting_miners: number;
  jobs_per_s: number;
  money: { funded: number; escrow: number; fees: number };
}

export interface MinerView {
  miner_id: string;
  status: "online" | "offline" | "draining" | "stopping";
  wallet: string;
  mode: string;
  gpu: boolean;
  capabilities: {
    workloads?: string[];
    models?: string[];
    concurrency?: number;
    gpus?: { name: string; memory_mb: number }[];
    limits?: { ram_mb?: number; vram_mb?: number; max_runtime_s?: number };
  } | null;
  signs_proofs: boolean;
  in_flight: number;
  reputation: number;
  last_seen_at: string;
}

export interface Wallet {
  address: string;
  balance: number;
  updated_at: string;
}

export interface JobEvent {
  type: string;
  job_id: string;
  state: JobState;
  previous: JobState | null;
  version: number;
  workload: string;
  at: string;
}

export interface SubmitJob {
  workload: string;
  params: unknown;
  reward: number;
  max_runtime_s?: number;
  verification?: { mode: "none" } | { mode: "replicate"; replicas: number; quorum: number };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });
const url = (path: string) => serviceUrl("coordinator", path);

export const coordinator = {
  health: (signal?: AbortSignal) =>
    callJson<{ status: string; version: string; commit?: string; store?: string }>("coordinator", url("/health"), {
      signal,
    }),
  stats: (key: string, signal?: AbortSignal) =>
    callJson<Stats>("coordinator", url("/v1/admin/stats"), { headers: auth(key), signal }),
  /**
   * One page of miners in miner_id order; `after` (the previous page's next_after) pages on. A
   * coordinator from before paging answers every miner and no next_after: that is the last page.
   */
  miners: async (key: string, query: { after?: string; limit: number }, signal?: AbortSignal) => {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.after !== undefined) params.set("after", query.after);
    const page = await callJson<{ miners: MinerView[]; next_after?: string | null }>(
      "coordinator",
      url(`/v1/admin/miners?${params}`),
      { headers: auth(key), signal },
    );
    return { miners: page.miners, next_after: page.next_after ?? null };
  },
  /** One page of wallets in address order; `after` (the previous page's next_after) pages on. */
  wallets: (key: string, query: { after?: string; limit: number }, signal?: AbortSignal) => {
    const params = new URLSearchParams({ limit: String(query.limit) });
    if (query.after !== undefined) params.set("after", query.after);
    return callJson<{ wallets: Wallet[]; next_after: string | null }>(
      "coordinator",
      url(`/v1/admin/wallets?${params}`),
      {
        headers: auth(key),
        signal,
      },
    );
  },
  balance: (key: string, signal?: AbortSignal) =>
    callJson<{ address: string; balance: number; pending: number; updated_at?: string }>(
      "coordinator",
      url("/v1/wallet/balance"),
      { headers: auth(key), signal },
    ),
  jobs: (key: string, query: { state?: string; cursor?: string; limit?: number }, signal?: AbortSignal) => {
    const params = new URLSearchParams({ limit: String(query.limit ?? 25) });
    if (query.state) params.set("state", query.state);
    if (query.cursor) params.set("cursor", query.cursor);
    return callJson<{ jobs: Job[]; next_cursor: string | null }>("coordinator", url(`/v1/jobs?${params}`), {
      headers: auth(key),
      signal,
    });
  },
  job: (key: string, id: string, signal?: AbortSignal) =>
    callJson<Job>("coordinator", url(`/v1/jobs/${encodeURIComponent(id)}`), { headers: auth(key), signal }),
  result: (key: string, id: string, signal?: AbortSignal) =>
    callJson<JobResult>("coordinator", url(`/v1/jobs/${encodeURIComponent(id)}/result`), {
      headers: auth(key),
      signal,
    }),
  cancel: (key: string, id: string) =>
    callJson<Job>("coordinator", url(`/v1/jobs/${encodeURIComponent(id)}/cancel`), {
      method: "POST",
      headers: { ...auth(key), "idempotency-key": crypto.randomUUID() },
      body: "{}",
    }),
  jobLedger: (key: string, id: string, signal?: AbortSignal) =>
    callJson<{
      checkpoint: { size: number; rootHash: string; note: string } | null;
      verifier_key: string | null;
      records: { record: Record<string, unknown> | null; proof: unknown }[];
    }>("coordinator", url(`/v1/jobs/${encodeURIComponent(id)}/ledger`), { headers: auth(key), signal }),
  /** One Idempotency-Key per submission: a retried click never pays twice. */
  submit: (key: string, job: SubmitJob, idempotencyKey: string) =>
    callJson<Job>("coordinator", url("/v1/jobs"), {
      method: "POST",
      headers: { ...auth(key), "idempotency-key": idempotencyKey },
      body: JSON.stringify(job),
    }),
  receiptKey: (signal?: AbortSignal) =>
    callJson<{ key_id: string; public_key: string; algorithm: string }>("coordinator", url("/v1/keys/receipts"), {
      signal,
    }),
  eventsUrl: () => url("/v1/events"),
  jobEventsUrl: (id: string) => url(`/v1/jobs/${encodeURIComponent(id)}/events`),
  authHeaders: auth,
  exportLedger: (key: string, signal?: AbortSignal) =>
    callRaw("coordinator", url("/v1/ledger/export"), {
      headers: { ...auth(key), accept: "application/x-ndjson" },
      signal,
    }),
};
