// Miner-facing routes. The seed's miner.sh calls heartbeat, next, proof and balance exactly as it
// was written; the claim/proofs/fail routes are the batch and push forms for Pithead's miner.
import { createHash } from "node:crypto";
import type { HttpServer } from "@pithead/http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { JsonValue } from "../../core/model.ts";
import { errors } from "../../errors.ts";
import type { IdempotencyScope } from "../../ops/idempotent.ts";
import {
  ClaimRequest,
  ClaimResponse,
  errorResponses,
  FailRequest,
  FailResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  LeasedJob,
  NextQuery,
  ProofBatchRequest,
  ProofBatchResponse,
  type ProofRequest,
  ProofRequest as ProofRequestSchema,
  ProofResponse,
} from "../../schemas/index.ts";
import type { KeyPrincipal } from "../../service/auth.ts";
import type { ClaimRequestInput, CoordinatorService } from "../../service/coordinator.ts";
import type { Hold } from "../../service/open-streams.ts";
import { sendAnswer } from "../answer.ts";
import { idempotencyScope } from "../idempotency.ts";
import { assertHashableJson } from "../json-checks.ts";
import { claimView, heartbeatStatus, leasedJobView } from "../views.ts";

const miner = { roles: ["miner"] } as const;

export function principalOf(request: FastifyRequest): KeyPrincipal {
  const principal = request.principal as KeyPrincipal | undefined;
  if (!principal) throw errors.error("UNAUTHORIZED");
  return principal;
}

/**
 * Aborted when the client goes away, the server shuts down or (a long-poll's hold) the key is
 * revoked: ends a long-poll early.
 */
export function requestSignal(reply: FastifyReply, closing: AbortSignal, hold?: Hold): AbortSignal {
  const controller = new AbortController();
  const abort = () => controller.abort();
  // The response closes before it finished only when the connection went away.
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) abort();
  });
  closing.addEventListener("abort", abort, { once: true });
  reply.raw.on("finish", () => closing.removeEventListener("abort", abort));
  if (hold?.signal.aborted) abort();
  else hold?.signal.addEventListener("abort", abort, { once: true });
  return controller.signal;
}

/**
 * Runs a claim; one that waits (a long-poll) is held against the key's cap on open streams and
 * long-polls (429 TOO_MANY_STREAMS when it is full) for as long as it waits.
 */
async function claimFor<T>(
  service: CoordinatorService,
  reply: FastifyReply,
  closing: AbortSignal,
  principal: KeyPrincipal,
  input: Omit<ClaimRequestInput, "signal">,
  run: (input: ClaimRequestInput) => Promise<T>,
): Promise<T> {
  const hold = input.waitS > 0 ? service.streams.hold(principal.keyId) : undefined;
  try {
    return await run({ ...input, signal: requestSignal(reply, closing, hold) });
  } finally {
    hold?.release();
  }
}

function decodeOutput(body: ProofRequest, maxBytes: number): Uint8Array | null {
  if (body.output === undefined) return null;
  let bytes: Buffer;
  if (body.output_encoding === "base64") {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body.output) || body.output.length % 4 !== 0) {
      throw errors.error("BAD_OUTPUT_ENCODING", { field: "body.output" }, "body.output is not valid base64");
    }
    bytes = Buffer.from(body.output, "base64");
  } else {
    bytes = Buffer.from(body.output, "utf8");
  }
  if (bytes.byteLength > maxBytes) throw outputTooLarge(maxBytes, bytes.byteLength);
  return bytes;
}

function outputTooLarge(maxBytes: number, bytes: number | undefined): Error {
  const size = bytes === undefined ? "The proof's output is" : `The output is ${bytes} bytes,`;
  return errors.error(
    "OUTPUT_TOO_LARGE",
    {
      field: "body.output",
      max_output_bytes: maxBytes,
      limit_bytes: maxBytes,
      ...(bytes === undefined ? {} : { bytes }),
    },
    `${size} over the ${maxBytes} bytes this coordinator accepts inline (its --max-output-bytes): give the job back with /v1/miner/fail`,
  );
}

/**
 * The proof routes' body limit leaves room for the base64 of an output of the inline limit; a body
 * over it can only be an output over that limit, so it gets the error that says so, with the limit,
 * instead of the generic PAYLOAD_TOO_LARGE. Anything else goes on to the root error handler.
 */
function proofErrors(maxOutputBytes: number) {
  return (error: Error & { code?: string }) => {
    throw error.code === "FST_ERR_CTP_BODY_TOO_LARGE" ? outputTooLarge(maxOutputBytes, undefined) : error;
  };
}

/** The checks that need no database: output size, encoding and hash; hashable metrics. */
function checkProof(body: ProofRequest, maxBytes: number): Uint8Array | null {
  assertHashableJson(body.metrics, "body.metrics");
  const output = decodeOutput(body, maxBytes);
  if (output !== null) {
    const actual = createHash("sha256").update(output).digest("hex");
    if (actual !== body.output_sha) {
      throw errors.error("BAD_OUTPUT_SHA", { field: "body.output_sha", output_sha: body.output_sha, actual });
    }
  }
  return output;
}

/**
 * Logs a second process refused as a miner id (MINER_ID_IN_USE) once, not at every beat it retries
 * (nor again after each beat of the process that holds the id): again only for yet another key, or
 * after the refused key got in.
 */
class TwinLog {
  readonly #refused = new Map<string, string>();

  async watch<T>(request: FastifyRequest, minerId: string, publicKey: string | undefined, beat: () => Promise<T>) {
    try {
      const result = await beat();
      if (publicKey !== undefined && this.#refused.get(minerId) === publicKey) this.#refused.delete(minerId);
      return result;
    } catch (error) {
      const refusal = error as { code?: unknown; message?: unknown };
      if (refusal.code === "MINER_ID_IN_USE" && this.#refused.get(minerId) !== publicKey) {
        if (this.#refused.size >= 10_000) this.#refused.clear();
        this.#refused.set(minerId, publicKey ?? "");
        request.log.warn({ code: "MINER_ID_IN_USE", miner_id: minerId }, String(refusal.message));
      }
      throw error;
    }
  }
}

export function registerMinerRoutes(app: HttpServer, service: CoordinatorService, maxOutputBytes: number): void {
  const twins = new TwinLog();
  const proofBodyLimit = Math.ceil((maxOutputBytes * 4) / 3) + 64 * 1024;

  const prove = (minerId: string, body: ProofRequest, scope: IdempotencyScope) => {
    const output = checkProof(body, maxOutputBytes);
    return service.command("submitProof", {
      scope,
      proof: {
        minerId,
        jobId: body.id,
        outputSha: body.output_sha,
        metrics: body.metrics as { [key: string]: JsonValue },
        mode: body.mode ?? null,
        output,
        signature: body.signature ?? null,
        leaseToken: body.lease_token ?? null,
      },
    });
  };

  app.post(
    "/v1/miner/heartbeat",
    {
      config: miner,
      schema: {
        tags: ["miner"],
        summary: "Register (first contact) or refresh a miner; renews the leases it holds",
        body: HeartbeatRequest,
        response: { 200: HeartbeatResponse, ...errorResponses(401, 403, 409, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const body = request.body;
      const result = await twins.watch(request, body.miner_id, body.capabilities?.public_key, () =>
        service.command("heartbeat", {
          keyId: principal.keyId,
          minerId: body.miner_id,
          wallet: body.wallet,
          mode: body.mode,
          gpu: body.gpu === true || body.gpu === 1,
          jobs: body.jobs ?? null,
          jobsComplete: body.jobs_complete === true,
          stopping: body.stopping === true,
          capabilities: body.capabilities
            ? {
                ...body.capabilities,
                gpu:
                  body.capabilities.gpu === undefined
                    ? undefined
                    : body.capabilities.gpu === true || body.capabilities.gpu === 1,
              }
            : null,
        }),
      );
      return {
        ok: true,
        server_time: new Date(service.clock()).toISOString(),
        leases_renewed: result.leasesRenewed,
        registered: result.registered,
        status: heartbeatStatus(result.miner),
        reputation: result.miner.reputation,
        renewed_jobs: result.renewed,
        lost_jobs: result.lost,
        released_jobs: result.released,
        max_output_bytes: maxOutputBytes,
        storage_full: service.diskFull,
      };
    },
  );

  app.get(
    "/v1/miner/next",
    {
      config: miner,
      schema: {
        tags: ["miner"],
        summary: "Lease at most one job (204 when there is none; wait= long-polls)",
        querystring: NextQuery,
        response: {
          200: LeasedJob,
          204: { type: "null", description: "No job for this miner now" },
          ...errorResponses(401, 403, 409, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const query = request.query;
      const input = {
        minerId: query.miner,
        maxJobs: 1,
        slots: query.slots,
        done: query.done?.split(","),
        waitS: query.wait,
      };
      const claimed = await claimFor(service, reply, app.closing, principal, input, (held) =>
        service.claim(principal, held),
      );
      const first = claimed[0];
      if (!first) return reply.code(204).send(null);
      return leasedJobView(first);
    },
  );

  app.post(
    "/v1/miner/claim",
    {
      config: miner,
      schema: {
        tags: ["miner"],
        summary: "Lease up to max_jobs jobs at once, long-polling up to wait_s for the first",
        body: ClaimRequest,
        response: { 200: ClaimResponse, ...errorResponses(401, 403, 409, 422, 429) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body;
      const input = {
        minerId: body.miner_id,
        maxJobs: body.max_jobs,
        slots: body.slots ?? body.max_jobs,
        done: body.done,
        waitS: body.wait_s,
      };
      const scope = idempotencyScope(request, principal.keyId);
      // Without a key (the hot path) nothing is read or stored beyond the claim itself.
      if (scope.idempotencyKey === undefined) {
        const claimed = await claimFor(service, reply, app.closing, principal, input, (held) =>
          service.claim(principal, held),
        );
        return sendAnswer(reply as FastifyReply, { status: 200, body: claimView(claimed), replayed: false });
      }
      const answer = await claimFor(service, reply, app.closing, principal, input, (held) =>
        service.claimReplayable(principal, { ...held, idempotency: scope }, claimView),
      );
      return sendAnswer(reply as FastifyReply, answer);
    },
  );

  app.post(
    "/v1/miner/proof",
    {
      config: miner,
      bodyLimit: proofBodyLimit,
      errorHandler: proofErrors(maxOutputBytes),
      schema: {
        tags: ["miner"],
        summary: "Prove a leased job: output hash, metrics, optionally the output and a signature",
        body: ProofRequestSchema,
        response: { 200: ProofResponse, ...errorResponses(401, 403, 404, 409, 413, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const minerId = await service.boundMinerId(principal);
      const scope = idempotencyScope(request, principal.keyId);
      return sendAnswer(reply as FastifyReply, await prove(minerId, request.body, scope));
    },
  );

  app.post(
    "/v1/miner/proofs",
    {
      config: miner,
      bodyLimit: proofBodyLimit,
      errorHandler: proofErrors(maxOutputBytes),
      schema: {
        tags: ["miner"],
        summary: "Prove several jobs in one request; each proof gets its own status",
        body: ProofBatchRequest,
        response: { 200: ProofBatchResponse, ...errorResponses(401, 403, 409, 413, 422) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const minerId = await service.boundMinerId(principal);
      const results = await Promise.all(
        request.body.proofs.map(async (proof) => {
          try {
            const answer = await prove(minerId, proof, {
              keyId: principal.keyId,
              idempotencyKey: undefined,
              requestHash: "",
            });
            return { id: proof.id, status: answer.status, body: answer.body };
          } catch (error) {
            const known = error as { status?: unknown; code?: unknown; message?: unknown; details?: unknown };
            if (typeof known.status !== "number" || typeof known.code !== "string") throw error;
            return {
              id: proof.id,
              status: known.status,
              body: { error: { code: known.code, message: String(known.message), details: known.details ?? {} } },
            };
          }
        }),
      );
      return { results };
    },
  );

  app.post(
    "/v1/miner/fail",
    {
      config: miner,
      schema: {
        tags: ["miner"],
        summary: "Give a leased job back for another attempt",
        body: FailRequest,
        response: { 200: FailResponse, ...errorResponses(401, 403, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const minerId = await service.boundMinerId(principal);
      const body = request.body;
      const scope = idempotencyScope(request, principal.keyId);
      const answer = await service.command("failLease", {
        scope,
        fail: { minerId, jobId: body.id, errorCode: body.error_code, message: body.message },
      });
      return sendAnswer(reply as FastifyReply, answer);
    },
  );
}
