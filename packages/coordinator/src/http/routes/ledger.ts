// The coordinator's ledger over HTTP. The latest signed checkpoint and consistency proofs are
// public (hashes only); whole records and the export are for admins, since they name every
// client's jobs and wallets. A client gets the records of its own jobs with their inclusion
// proofs from GET /v1/jobs/{id}/ledger.
import { HttpError, type HttpServer } from "@pithead/http";
import {
  type InclusionProof,
  type Ledger,
  LedgerHttpError,
  ledgerRoutes,
  RecordArchivedError,
  type StoredRecord,
} from "@pithead/ledger";
import { Type } from "typebox";
import { errors } from "../../errors.ts";
import { errorResponses, JobIdParams } from "../../schemas/index.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";
import { visibleJob } from "./jobs.ts";
import { principalOf } from "./miner.ts";

const publicLedgerRoutes = new Set(["/v1/ledger/checkpoint", "/v1/ledger/consistency"]);

/**
 * A record (or a proof needing one) moved to the archive (--ledger-archive-dir) is gone from here for
 * good: 410 from the coordinator's registry, saying which records and when (never the server's path).
 * The ledger plugin, registered with hostErrors, hands its archived reads over as they are.
 */
function archivedAnswer(error: unknown): unknown {
  if (error instanceof RecordArchivedError) {
    return errors.error(
      "RECORD_ARCHIVED",
      { seq: error.seq, archived_from: error.from, archived_to: error.to, archived_at: error.archivedAt },
      error.message,
    );
  }
  return error;
}

export async function registerLedgerRoutes(
  app: HttpServer,
  service: CoordinatorService,
  ledger: Ledger,
): Promise<void> {
  const partition = service.ledgerPartition;
  await app.register(
    async (scope) => {
      scope.addHook("onRoute", (route) => {
        route.config = publicLedgerRoutes.has(route.url)
          ? { ...(route.config ?? {}), public: true }
          : { ...(route.config ?? {}), roles: ["admin"] };
        route.schema = { ...(route.schema ?? {}), tags: ["ledger"] };
      });
      // The ledger's own error type becomes the coordinator's envelope (with the ledger's code).
      scope.setErrorHandler((error) => {
        const answer = archivedAnswer(error);
        if (answer instanceof LedgerHttpError) throw new HttpError(answer.code, answer.statusCode, answer.message);
        throw answer;
      });
      await scope.register(ledgerRoutes, { ledger, partitions: () => [partition], hostErrors: true });
    },
    { prefix: "/v1" },
  );

  app.get(
    "/v1/jobs/:id/ledger",
    {
      config: { roles: ["client", "admin"] },
      schema: {
        tags: ["jobs"],
        summary: "The job's ledger records, each with its inclusion proof against a signed checkpoint",
        params: JobIdParams,
        response: {
          200: Type.Object({
            checkpoint: Type.Unknown(),
            verifier_key: Type.Union([Type.String(), Type.Null()]),
            records: Type.Array(Type.Object({ record: Type.Unknown(), proof: Type.Unknown() })),
          }),
          ...errorResponses(401, 403, 404, 410, 422),
        },
      },
    },
    async (request) => {
      try {
        return await jobLedger(request.params.id, principalOf(request));
      } catch (error) {
        throw archivedAnswer(error);
      }
    },
  );

  async function jobLedger(jobId: string, principal: ReturnType<typeof principalOf>) {
    const job = await visibleJob(service, principal, jobId);
    const seqs = await service.reads.jobLedgerSeqs(job.id);
    let checkpoint = await ledger.latestCheckpoint(partition);
    // Records newer than the latest checkpoint get one now, so every record comes with a proof.
    if (seqs.length > 0 && (!checkpoint || checkpoint.size <= Math.max(...seqs))) {
      await service.checkpoint();
      checkpoint = await ledger.latestCheckpoint(partition);
    }
    const records: { record: StoredRecord | null; proof: InclusionProof | null }[] = [];
    for (const seq of seqs) {
      const record = (await ledger.get(partition, seq)) ?? null;
      const proof =
        record && checkpoint && seq < checkpoint.size
          ? await ledger.inclusionProof(partition, seq, checkpoint.size)
          : null;
      records.push({ record, proof });
    }
    return { checkpoint: checkpoint ?? null, verifier_key: ledger.verifierKey ?? null, records };
  }
}
