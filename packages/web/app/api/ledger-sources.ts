// The ledgers the dashboard can read: the coordinator's (admin key) and each fleet operator's
// partition (signed requests). Both mount the ledger package's routes, so one interface covers them.

import type { FleetCredential } from "../session/connections.ts";
import type { CheckpointWire, InclusionProofWire } from "../verify/inclusion.ts";
import type { LedgerRecord } from "../verify/record.ts";
import { coordinator } from "./coordinator.ts";
import { fleet } from "./fleet.ts";
import { ApiError, callJson, serviceUrl } from "./http.ts";

export interface RecordPage {
  records: (LedgerRecord & { hash: string })[];
  next: number | null;
  /** Records 0..archivedBelow-1 were moved to the ledger's archive; absent when none were. */
  archivedBelow?: number;
}

export interface RecordWithProof {
  record: LedgerRecord & { hash: string };
  proof: InclusionProofWire | null;
  checkpoint: (CheckpointWire & { signedAt?: string; origin?: string }) | null;
}

export interface SignedCheckpoint extends CheckpointWire {
  origin: string;
  signedAt: string;
  partition: string;
}

/** `from`: the newest seq of the page. */
export interface RecordQuery {
  type?: string;
  from?: number;
  limit: number;
}

export interface LedgerSource {
  id: string;
  label: string;
  records(query: RecordQuery, signal?: AbortSignal): Promise<RecordPage>;
  record(seq: number, signal?: AbortSignal): Promise<RecordWithProof>;
  /** The latest signed checkpoint, or null when none was signed yet. */
  checkpoint(signal?: AbortSignal): Promise<SignedCheckpoint | null>;
  exportStream(signal?: AbortSignal): Promise<ReadableStream<Uint8Array>>;
  /** The service's own verify, where it offers one. */
  serverVerify?: (
    signal?: AbortSignal,
  ) => Promise<{ ok: boolean; records: number; checkpoints: number; firstBad?: { seq: number; reason: string } }>;
}

export function recordsQuery(query: RecordQuery): string {
  const params = new URLSearchParams({ limit: String(query.limit), reverse: "true" });
  if (query.type) params.set("type", query.type);
  if (query.from !== undefined) params.set("from", String(query.from));
  return params.toString();
}

async function orNull<T>(load: Promise<T>): Promise<T | null> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

async function bodyOf(response: Response): Promise<ReadableStream<Uint8Array>> {
  if (!response.body) throw new Error("the export came back empty");
  return response.body;
}

export function coordinatorLedger(adminKey: string): LedgerSource {
  const headers = { authorization: `Bearer ${adminKey}` };
  const url = (path: string) => serviceUrl("coordinator", `/v1/ledger${path}`);
  return {
    id: "coordinator",
    label: "Coordinator",
    records: (query, signal) =>
      callJson<RecordPage>("coordinator", url(`/records?${recordsQuery(query)}`), { headers, signal }),
    record: (seq, signal) => callJson<RecordWithProof>("coordinator", url(`/records/${seq}`), { headers, signal }),
    checkpoint: (signal) => orNull(callJson<SignedCheckpoint>("coordinator", url("/checkpoint"), { signal })),
    exportStream: async (signal) => bodyOf(await coordinator.exportLedger(adminKey, signal)),
  };
}

export function fleetLedger(operator: FleetCredential): LedgerSource {
  return {
    id: `fleet:${operator.id}`,
    label: `Fleet operator ${operator.id}`,
    records: (query, signal) => fleet.records(operator, recordsQuery(query), signal) as Promise<RecordPage>,
    record: (seq, signal) => fleet.record(operator, seq, signal) as Promise<RecordWithProof>,
    checkpoint: (signal) => orNull(fleet.checkpoint(operator, signal) as Promise<SignedCheckpoint>),
    exportStream: async (signal) => bodyOf(await fleet.exportLedger(operator, signal)),
    serverVerify: (signal) => fleet.serverVerify(operator, signal),
  };
}
