// Wire types shared by the coordinator's routes and its clients (the miner daemon, the CLI, the
// dashboard import these). Field names are the wire names of the Coordinator API v1.
import { lowercased } from "@pithead/http";
import { type Static, type TSchema, Type } from "typebox";
import { MAX_AMOUNT } from "../core/money.ts";

/** A string that must be one of `values`; validation errors then list the allowed values. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/**
 * Any case is taken (UUIDs are case-insensitive, RFC 9562) and lowercased, the form ids are kept in.
 * The pattern refuses the `urn:uuid:` form the uuid format lets through, which no job id matches.
 */
export const JobId = lowercased(
  Type.String({
    format: "uuid",
    pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    description: "A job id (UUID, any case)",
  }),
);
export const Sha256Hex = Type.String({
  pattern: "^[0-9a-f]{64}$",
  description: "Lowercase hex SHA-256 (as sha256sum prints it)",
});
export const WalletAddress = Type.String({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$",
  description: "A wallet address: letters, digits, . _ : - (at most 128)",
});
export const MinerId = Type.String({
  pattern: "^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$",
  description: "A stable miner label such as `$(hostname)-gpu0`",
});
export const WorkloadName = Type.String({
  pattern: "^[a-z][a-z0-9_]{0,63}$",
  description: "A workload such as torch_bench, sd_infer or llm_gen",
});
export const Amount = Type.Integer({
  minimum: 0,
  maximum: MAX_AMOUNT,
  description: "An integer amount of the smallest unit (never a float)",
});
export const Timestamp = Type.String({ format: "date-time", description: "ISO-8601 UTC" });
export const JsonAny = Type.Unknown({ description: "Any JSON value" });

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Record(Type.String(), Type.Unknown()),
    }),
  },
  { description: "Every non-2xx answer" },
);

export const JobState = StringEnum(["QUEUED", "LEASED", "VERIFYING", "COMPLETED", "FAILED", "CANCELED", "EXPIRED"]);

export const JobIdParams = Type.Object({ id: JobId });

export const SignedReceipt = Type.Object({
  receipt: Type.Object({
    receipt_id: Type.String(),
    job_id: Type.String(),
    miner_id: Type.String(),
    wallet: Type.String(),
    client: Type.String(),
    workload: Type.String(),
    units: Type.Integer(),
    unit_type: Type.String(),
    reward: Type.Integer(),
    output_sha: Type.String(),
    started_at: Type.String(),
    completed_at: Type.String(),
    ledger_seq: Type.Integer(),
  }),
  signature: Type.String({ description: "base64 Ed25519 signature over the RFC 8785 canonical receipt" }),
  key_id: Type.String({ description: "hex SHA-256 of the coordinator's raw public key" }),
  algorithm: Type.Literal("Ed25519"),
});
export type SignedReceiptBody = Static<typeof SignedReceipt>;

/** Standard error answers for the OpenAPI document. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorEnvelope]));
}
