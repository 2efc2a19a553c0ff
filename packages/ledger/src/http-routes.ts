// Read-only HTTP routes over a Ledger, as a Fastify plugin. Authentication is the host's job (its own
// hooks apply to these routes, which are registered in a child context); the host can restrict
// which partitions a request may see with `partitions`.
import { Readable } from "node:stream";
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { RecordArchivedError } from "./archive-manifest.ts";
import { exportLines } from "./export.ts";
import { LedgerValueError } from "./json.ts";
import type { Ledger } from "./ledger.ts";
import { assertPartition, LedgerPartitionError } from "./partition.ts";
import type { StoredRecord } from "./record.ts";

export interface LedgerRoutesOptions {
  ledger: Ledger;
  /** The partitions this request may read; without it every partition is readable. */
  partitions?: (request: FastifyRequest) => readonly string[] | Promise<readonly string[]>;
  /** Route prefix (Fastify's own register option), e.g. "/v1". */
  prefix?: string;
  /**
   * The host turns LedgerHttpError into its own error envelope: the routes then declare no error
   * bodies of their own, which would reshape the host's (its `error` object became "[object Object]").
   * A RecordArchivedError then reaches the host as itself, for its 410's details.
   */
  hostErrors?: boolean;
}

export class LedgerHttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string) {
    super(message);
    this.name = "LedgerHttpError";
    this.statusCode = statusCode;
    this.code = code;
  }
}

const hex64 = { type: "string", pattern: "^[0-9a-f]{64}$" } as const;
const partitionQuery = {
  type: "string",
  minLength: 1,
  maxLength: 200,
  description: "partition name, e.g. coordinator or fleet/op-1",
} as const;
const errorSchema = {
  type: "object",
  properties: {
    statusCode: { type: "integer" },
    code: { type: "string" },
    error: { type: "string" },
    message: { type: "string" },
  },
} as const;
const recordSchema = {
  type: "object",
  required: ["v", "seq", "type", "at", "body", "prev", "hash"],
  properties: {
    v: { type: "integer" },
    seq: { type: "integer" },
    type: { type: "string" },
    at: { type: "string" },
    body: {},
    prev: hex64,
    hash: hex64,
  },
} as const;
const checkpointSchema = {
  type: "object",
  required: ["partition", "origin", "size", "rootHash", "note", "signedAt"],
  properties: {
    partition: { type: "string" },
    origin: { type: "string" },
    size: { type: "integer" },
    rootHash: hex64,
    note: { type: "string", description: "C2SP signed note (tlog-checkpoint)" },
    signedAt: { type: "string" },
    verifierKey: { type: "string", description: "signed-note verifier key: <name>+<hex id>+<base64 key>" },
  },
} as const;
const inclusionSchema = {
  type: "object",
  properties: {
    seq: { type: "integer" },
    treeSize: { type: "integer" },
    leafHash: hex64,
    recordHash: hex64,
    path: { type: "array", items: hex64 },
    rootHash: hex64,
  },
} as const;
const consistencySchema = {
  type: "object",
  properties: {
    fromSize: { type: "integer" },
    toSize: { type: "integer" },
    path: { type: "array", items: hex64 },
    fromRoot: hex64,
    toRoot: hex64,
  },
} as const;

function badInput(error: unknown, hostErrors: boolean | undefined): never {
  // Moved to the ledger's archive: gone from here for good, which is what 410 says. A host answers it
  // itself, with the structured details (seq, the archived range, when) its registry gives.
  if (error instanceof RecordArchivedError) {
    if (hostErrors) throw error;
    throw new LedgerHttpError(410, "RECORD_ARCHIVED", error.message);
  }
  if (error instanceof LedgerValueError) throw new LedgerHttpError(400, "LEDGER_BAD_REQUEST", error.message);
  if (error instanceof LedgerPartitionError) throw new LedgerHttpError(400, "LEDGER_BAD_PARTITION", error.message);
  throw error;
}

export const ledgerRoutes: FastifyPluginAsync<LedgerRoutesOptions> = async (app, options) => {
  const { ledger } = options;
  /** The error bodies a route declares: the plugin's own shape, or none when the host answers errors. */
  const errorBodies = (...statuses: number[]) =>
    options.hostErrors ? {} : Object.fromEntries(statuses.map((status) => [status, errorSchema]));

  async function partitionOf(request: FastifyRequest, requested: string | undefined): Promise<string> {
    const allowed = options.partitions ? await options.partitions(request) : undefined;
    const name = requested ?? (allowed?.length === 1 ? allowed[0] : undefined);
    if (name === undefined)
      throw new LedgerHttpError(400, "LEDGER_PARTITION_REQUIRED", "querystring/partition is required");
    try {
      assertPartition(name);
    } catch (error) {
      badInput(error, options.hostErrors);
    }
    // Not 403: a partition the caller may not see is indistinguishable from one that does not exist.
    if (allowed && !allowed.includes(name))
      throw new LedgerHttpError(404, "LEDGER_NO_PARTITION", `no partition ${name}`);
    return name;
  }

  app.get<{ Querystring: { partition?: string } }>(
    "/ledger/checkpoint",
    {
      schema: {
        summary: "Latest signed checkpoint of a partition",
        querystring: { type: "object", properties: { partition: partitionQuery }, additionalProperties: false },
        response: { 200: checkpointSchema, ...errorBodies(404) },
      },
    },
    async (request) => {
      const partition = await partitionOf(request, request.query.partition);
      const checkpoint = await ledger.latestCheckpoint(partition);
      if (!checkpoint)
        throw new LedgerHttpError(404, "LEDGER_NO_CHECKPOINT", `partition ${partition} has no checkpoint yet`);
      return { partition, ...checkpoint, ...(ledger.verifierKey ? { verifierKey: ledger.verifierKey } : {}) };
    },
  );

  app.get<{ Querystring: { partition?: string; type?: string; from?: number; limit: number; reverse: boolean } }>(
    "/ledger/records",
    {
      schema: {
        summary: "Records of a partition, oldest first (or newest first with reverse=true), one page at a time",
        querystring: {
          type: "object",
          properties: {
            partition: partitionQuery,
            type: { type: "string", description: "only records of this type" },
            from: { type: "integer", minimum: 0, description: "first seq (last seq when reverse)" },
            limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
            reverse: { type: "boolean", default: false },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            type: "object",
            properties: {
              records: { type: "array", items: recordSchema },
              next: { type: ["integer", "null"] },
              archivedBelow: {
                type: "integer",
                description:
                  "Records 0..archivedBelow-1 were moved to the ledger's archive: a list starts (or, newest first, ends) there; absent when none were",
              },
            },
          },
        },
      },
    },
    async (request) => {
      const { type, from, limit, reverse } = request.query;
      const partition = await partitionOf(request, request.query.partition);
      const records: StoredRecord[] = [];
      // A list ends at the archive boundary (a page is never a 410): what lies below is archived,
      // not missing, and the answer says where that begins.
      const boundary = (await ledger.archived?.(partition))?.records ?? 0;
      const archived = boundary > 0 ? { archivedBelow: boundary } : {};
      if (reverse && from !== undefined && from < boundary) return { records, next: null, ...archived };
      try {
        const range = reverse
          ? { fromSeq: boundary, ...(from !== undefined ? { toSeq: from } : {}) }
          : { fromSeq: Math.max(from ?? 0, boundary) };
        for await (const record of ledger.read(partition, {
          ...range,
          ...(type ? { type } : {}),
          limit: limit + 1,
          reverse,
        })) {
          records.push(record);
        }
      } catch (error) {
        badInput(error, options.hostErrors);
      }
      const more = records.length > limit;
      if (more) records.pop();
      const last = records.at(-1);
      return { records, next: more && last ? (reverse ? last.seq - 1 : last.seq + 1) : null, ...archived };
    },
  );

  app.get<{ Params: { seq: number }; Querystring: { partition?: string } }>(
    "/ledger/records/:seq",
    {
      schema: {
        summary: "One record with its inclusion proof against the latest checkpoint",
        params: { type: "object", properties: { seq: { type: "integer", minimum: 0 } }, required: ["seq"] },
        querystring: { type: "object", properties: { partition: partitionQuery }, additionalProperties: false },
        response: {
          200: {
            type: "object",
            properties: {
              record: recordSchema,
              proof: { anyOf: [inclusionSchema, { type: "null" }] },
              checkpoint: { anyOf: [checkpointSchema, { type: "null" }] },
            },
          },
          ...errorBodies(404, 410),
        },
      },
    },
    async (request) => {
      const partition = await partitionOf(request, request.query.partition);
      const { seq } = request.params;
      try {
        const record = await ledger.get(partition, seq);
        if (!record) throw new LedgerHttpError(404, "LEDGER_NO_RECORD", `partition ${partition} has no record ${seq}`);
        const checkpoint = await ledger.latestCheckpoint(partition);
        // A record newer than the latest checkpoint is served without a proof until the next checkpoint.
        const proof =
          checkpoint && seq < checkpoint.size ? await ledger.inclusionProof(partition, seq, checkpoint.size) : null;
        return { record, proof, checkpoint: checkpoint ? { partition, ...checkpoint } : null };
      } catch (error) {
        return badInput(error, options.hostErrors);
      }
    },
  );

  app.get<{ Querystring: { partition?: string; from: number; to?: number } }>(
    "/ledger/consistency",
    {
      schema: {
        summary: "Proof that the tree of size `from` is a prefix of the tree of size `to` (default: latest checkpoint)",
        querystring: {
          type: "object",
          properties: {
            partition: partitionQuery,
            from: { type: "integer", minimum: 0 },
            to: { type: "integer", minimum: 0 },
          },
          required: ["from"],
          additionalProperties: false,
        },
        response: { 200: consistencySchema, ...errorBodies(400) },
      },
    },
    async (request) => {
      const partition = await partitionOf(request, request.query.partition);
      const to = request.query.to ?? (await ledger.latestCheckpoint(partition))?.size ?? (await ledger.size(partition));
      try {
        return await ledger.consistencyProof(partition, request.query.from, to);
      } catch (error) {
        // The library names its own parameters; the caller sent `from` and `to`.
        const field =
          error instanceof LedgerValueError
            ? { fromSize: "querystring.from", toSize: "querystring.to" }[error.path]
            : undefined;
        if (error instanceof LedgerValueError && field) {
          const problem = error.message.slice(error.path.length).replace(/\btoSize\b/g, "querystring.to");
          throw new LedgerHttpError(400, "LEDGER_BAD_REQUEST", `${field}${problem}`);
        }
        badInput(error, options.hostErrors);
      }
    },
  );

  app.get<{ Querystring: { partition?: string } }>(
    "/ledger/export",
    {
      schema: {
        summary: "The partition as an export file (JSONL) for `pithead ledger verify <url>`",
        querystring: { type: "object", properties: { partition: partitionQuery }, additionalProperties: false },
      },
    },
    async (request, reply: FastifyReply) => {
      const partition = await partitionOf(request, request.query.partition);
      const lines = exportLines(ledger, partition);
      const stream = Readable.from(
        (async function* () {
          for await (const line of lines) yield `${line}\n`;
        })(),
      );
      return reply
        .type("application/x-ndjson; charset=utf-8")
        .header("content-disposition", `attachment; filename="${partition.replaceAll("/", "_")}.ledger.jsonl"`)
        .send(stream);
    },
  );
};
