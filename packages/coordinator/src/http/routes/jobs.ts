// Client-facing routes: submit, read, list, result, cancel, receipt, and the per-job event stream.
// A client sees only its own jobs (another client's job is a 404, not a 403, so ids are not
// confirmed); an admin sees all.
import type { HttpServer } from "@pithead/http";
import type { FastifyReply } from "fastify";
import { awaitsMiner, type JobWarning, jobWarnings, type WaitingJob } from "../../core/job-warnings.ts";
import { type Assignment, isFinal, type Job, type JsonValue } from "../../core/model.ts";
import { checkWorkloadParams } from "../../core/workload-params.ts";
import { errors } from "../../errors.ts";
import {
  errorResponses,
  JobDetail,
  JobIdParams,
  JobListQuery,
  JobListResponse,
  JobResult,
  JobView,
  ReceiptQuery,
  SignedReceipt,
  SubmitJobRequest,
  SubmittedJob,
} from "../../schemas/index.ts";
import type { KeyPrincipal } from "../../service/auth.ts";
import type { CoordinatorService } from "../../service/coordinator.ts";
import type { JobEvent } from "../../store/types.ts";
import { sendAnswer } from "../answer.ts";
import { idempotencyScope } from "../idempotency.ts";
import { assertHashableJson } from "../json-checks.ts";
import { openEventStream } from "../sse.ts";
import { jobView, outputView } from "../views.ts";
import { principalOf } from "./miner.ts";

const clientOrAdmin = { roles: ["client", "admin"] } as const;

export interface JobDefaults {
  ttlS: number;
  maxRuntimeS: number;
  maxAttempts: number;
}

/** The job if the caller may see it; 404 otherwise (also for other clients' jobs). */
export async function visibleJob(service: CoordinatorService, principal: KeyPrincipal, id: string): Promise<Job> {
  const job = await service.reads.job(id);
  if (!job || (principal.role !== "admin" && job.clientKeyId !== principal.keyId)) {
    throw errors.error("JOB_NOT_FOUND", { job_id: id });
  }
  return job;
}

export function encodeCursor(seq: number): string {
  return Buffer.from(`seq:${seq}`, "utf8").toString("base64url");
}

export function decodeCursor(cursor: string): number {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match?.[1]) throw errors.error("INVALID_CURSOR", { field: "querystring.cursor" });
  return Number(match[1]);
}

/**
 * The job's warnings against the miners online now, read once; none for a job no longer waiting for
 * a miner (no read at all then). Not on the claim or proof path.
 */
async function warningsFor(
  service: CoordinatorService,
  job: WaitingJob,
  assignments: readonly Assignment[],
): Promise<JobWarning[]> {
  if (!awaitsMiner(job)) return [];
  return jobWarnings(job, await service.offers.online(), assignments);
}

export function registerJobRoutes(
  app: HttpServer,
  service: CoordinatorService,
  defaults: JobDefaults,
  maxReplicas: number,
): void {
  app.post(
    "/v1/jobs",
    {
      config: { roles: ["client"] },
      bodyLimit: 256 * 1024,
      schema: {
        tags: ["jobs"],
        summary: "Submit a job; reward × replicas is escrowed from the client's wallet",
        body: SubmitJobRequest,
        response: { 201: SubmittedJob, ...errorResponses(400, 401, 403, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const params = body.params ?? {};
      assertHashableJson(params, "body.params");
      const paramsProblem = checkWorkloadParams(body.workload, params);
      if (paramsProblem) {
        throw errors.error(
          "INVALID_PARAMS",
          { field: paramsProblem.field, workload: body.workload },
          paramsProblem.message,
        );
      }
      const mode = body.verification?.mode ?? "none";
      const replicas = mode === "none" ? 1 : (body.verification?.replicas ?? 3);
      if (mode === "none" && (body.verification?.replicas ?? 1) !== 1) {
        throw errors.error(
          "INVALID_VERIFICATION",
          { field: "body.verification.replicas" },
          "verification mode none has exactly one replica",
        );
      }
      if (replicas > maxReplicas) {
        throw errors.error("INVALID_VERIFICATION", { field: "body.verification.replicas", max: maxReplicas });
      }
      const quorum = mode === "none" ? 1 : (body.verification?.quorum ?? Math.floor(replicas / 2) + 1);
      const scope = idempotencyScope(request, principal.keyId);
      const answer = await service.command("submitJob", {
        scope,
        job: {
          clientKeyId: principal.keyId,
          clientWallet: principal.wallet ?? "",
          workload: body.workload,
          params: params as JsonValue,
          constraints: body.constraints ?? {},
          reward: body.reward,
          verification: { mode, replicas, quorum },
          ttlS: body.ttl_s ?? defaults.ttlS,
          maxRuntimeS: body.max_runtime_s ?? defaults.maxRuntimeS,
          maxAttempts: body.max_attempts ?? defaults.maxAttempts,
        },
      });
      void reply.header("location", `/v1/jobs/${(answer.body as { id: string }).id}`);
      // Still taken (a miner may come), but the client hears now rather than at ttl_s. A plain job
      // whose workload is offered (the common case, cached) reads nothing more.
      const submitted = answer.body as { state?: Job["state"] };
      const plain = replicas === 1 && Object.keys(body.constraints ?? {}).length === 0;
      const needsLook =
        answer.status === 201 &&
        submitted.state === "QUEUED" &&
        (!plain || (await service.offers.missing(body.workload)) !== undefined);
      const warnings = needsLook
        ? await warningsFor(
            service,
            {
              state: "QUEUED",
              openSlots: replicas,
              workload: body.workload,
              constraints: body.constraints ?? {},
              maxRuntimeS: body.max_runtime_s ?? defaults.maxRuntimeS,
            },
            [],
          )
        : [];
      if (warnings.length === 0) return sendAnswer(reply as FastifyReply, answer);
      return sendAnswer(reply as FastifyReply, {
        ...answer,
        body: { ...(answer.body as Record<string, JsonValue>), warnings: warnings as unknown as JsonValue },
      });
    },
  );

  app.get(
    "/v1/jobs/:id",
    {
      config: clientOrAdmin,
      schema: {
        tags: ["jobs"],
        summary: "A job, with its leases, and warnings while it waits for a miner no online one can be",
        params: JobIdParams,
        response: { 200: JobDetail, ...errorResponses(401, 403, 404, 422) },
      },
    },
    async (request) => {
      const job = await visibleJob(service, principalOf(request), request.params.id);
      const assignments = await service.reads.assignments(job.id);
      const warnings = await warningsFor(service, job, assignments);
      return { ...jobView(job, assignments), ...(warnings.length > 0 ? { warnings } : {}) };
    },
  );

  // The list: a client's own jobs, an admin's every job (also at /v1/admin/jobs for dashboards).
  for (const [path, roles] of [
    ["/v1/jobs", ["client", "admin"]],
    ["/v1/admin/jobs", ["admin"]],
  ] as const) {
    app.get(
      path,
      {
        config: { roles },
        schema: {
          tags: [path.startsWith("/v1/admin") ? "admin" : "jobs"],
          summary: "Jobs, newest first, by state and workload, one page at a time (next_cursor)",
          querystring: JobListQuery,
          response: { 200: JobListResponse, ...errorResponses(400, 401, 403, 422) },
        },
      },
      async (request) => {
        const principal = principalOf(request);
        const { state, workload, limit, cursor } = request.query;
        const jobs = await service.reads.jobs({
          ...(principal.role === "admin" ? {} : { clientKeyId: principal.keyId }),
          ...(state ? { state } : {}),
          ...(workload ? { workload } : {}),
          limit: limit + 1,
          ...(cursor ? { beforeSeq: decodeCursor(cursor) } : {}),
        });
        const page = jobs.slice(0, limit);
        const last = page.at(-1);
        return {
          jobs: page.map((job) => jobView(job)),
          next_cursor: jobs.length > limit && last ? encodeCursor(last.seq) : null,
        };
      },
    );
  }

  app.get(
    "/v1/jobs/:id/result",
    {
      config: clientOrAdmin,
      schema: {
        tags: ["jobs"],
        summary: "The result: output, hash, metrics and signed receipt; 425 until it is ready",
        params: JobIdParams,
        response: { 200: JobResult, ...errorResponses(401, 403, 404, 409, 410, 422, 425) },
      },
    },
    async (request) => {
      const job = await visibleJob(service, principalOf(request), request.params.id);
      if (!isFinal(job.state)) {
        throw errors.error(
          "JOB_NOT_READY",
          { job_id: job.id, state: job.state },
          `The job is ${job.state}; ask again later`,
          {
            "retry-after": "1",
          },
        );
      }
      if (job.state !== "COMPLETED") {
        // Why, in words: "CANCELED (CANCELED)" told the client nothing it did not know.
        const why = [job.errorCode === job.state ? null : job.errorCode, job.errorMessage].filter(Boolean).join(": ");
        throw errors.error(
          "JOB_FINAL",
          { job_id: job.id, state: job.state, error: job.errorCode },
          `The job ended ${job.state}${why ? ` (${why})` : ""}: it has no result`,
        );
      }
      if (job.outputRemovedAt) {
        const removedAt = new Date(job.outputRemovedAt).toISOString();
        throw errors.error(
          "OUTPUT_REMOVED",
          { job_id: job.id, output_sha: job.outputSha, removed_at: removedAt },
          `The output of job ${job.id} was removed ${removedAt}, after the coordinator's result retention (PITHEAD_RESULT_RETENTION_DAYS); its output_sha and signed receipt remain (GET /v1/jobs/${job.id}/receipt)`,
        );
      }
      const assignments = await service.reads.assignments(job.id);
      const agreeing =
        assignments.find((assignment) => assignment.verdict === "agree") ??
        assignments.find((a) => a.state === "PROVED");
      const receipts = await service.reads.receipts(job.id);
      return {
        job_id: job.id,
        ...outputView(agreeing?.proof?.output ?? null),
        output_sha: job.outputSha ?? "",
        metrics: agreeing?.proof?.metrics ?? {},
        receipt: receipts[0] ?? null,
        receipts,
      };
    },
  );

  app.get(
    "/v1/jobs/:id/receipt",
    {
      config: clientOrAdmin,
      schema: {
        tags: ["jobs"],
        summary: "The signed receipt of a completed job (?miner_id= for one replica's)",
        params: JobIdParams,
        querystring: ReceiptQuery,
        response: { 200: SignedReceipt, ...errorResponses(401, 403, 404, 422, 425) },
      },
    },
    async (request) => {
      const job = await visibleJob(service, principalOf(request), request.params.id);
      if (!isFinal(job.state)) {
        throw errors.error("JOB_NOT_READY", { job_id: job.id, state: job.state }, undefined, { "retry-after": "1" });
      }
      const receipts = await service.reads.receipts(job.id);
      const wanted = request.query.miner_id;
      const receipt = wanted === undefined ? receipts[0] : receipts.find((r) => r.receipt.miner_id === wanted);
      if (!receipt && wanted !== undefined && receipts.length > 0) {
        // The job has receipts, just none for this miner: say whose there are, not "it did not complete".
        const paid = receipts.map((r) => r.receipt.miner_id);
        throw errors.error(
          "RECEIPT_NOT_FOUND",
          { job_id: job.id, state: job.state, miner_id: wanted, miner_ids: paid, field: "querystring.miner_id" },
          `This job has no receipt for miner ${wanted}: it paid ${paid.join(", ")}`,
        );
      }
      if (!receipt) throw errors.error("RECEIPT_NOT_FOUND", { job_id: job.id, state: job.state });
      return receipt;
    },
  );

  app.post(
    "/v1/jobs/:id/cancel",
    {
      config: clientOrAdmin,
      schema: {
        tags: ["jobs"],
        summary: "Cancel a job and refund what is still escrowed; 409 once it is finished",
        params: JobIdParams,
        response: { 200: JobView, ...errorResponses(400, 401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.id;
      const scope = idempotencyScope(request, principal.keyId);
      const answer = await service.command("cancelJob", {
        scope,
        jobId: id,
        clientKeyId: principal.role === "admin" ? null : principal.keyId,
      });
      return sendAnswer(reply as FastifyReply, answer);
    },
  );

  app.get(
    "/v1/jobs/:id/events",
    {
      config: clientOrAdmin,
      schema: {
        tags: ["jobs"],
        summary: "Server-sent events: the job's state now, then each change; ends when it is final",
        params: JobIdParams,
        response: errorResponses(401, 403, 404, 422, 429),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const id = request.params.id;
      await visibleJob(service, principal, id);
      const stream = openEventStream(request, reply, app.closing, service.streams.hold(principal.keyId));
      let sent = 0;
      const deliver = (event: JobEvent) => {
        if (event.version <= sent) return;
        sent = event.version;
        stream.send("state", event, event.version);
        if (isFinal(event.state)) stream.close();
      };
      // Subscribe before reading the current state, so no change between the two is missed.
      const buffered: JobEvent[] = [];
      let live = false;
      const unsubscribe = service.events.subscribe(
        (event) => event.job_id === id,
        (event) => (live ? deliver(event) : buffered.push(event)),
      );
      stream.onClose(unsubscribe);
      const job = await service.reads.job(id);
      if (job) {
        deliver({
          type: "job.state",
          job_id: job.id,
          state: job.state,
          previous: null,
          version: job.version,
          open_slots: job.openSlots,
          workload: job.workload,
          client_key_id: job.clientKeyId,
          at: new Date(job.updatedAt).toISOString(),
        });
      }
      live = true;
      for (const event of buffered.splice(0)) deliver(event);
    },
  );
}
