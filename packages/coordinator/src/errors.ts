// Every error the coordinator answers with, once: code, HTTP status, default message.
import { defineErrors } from "@pithead/http";

export const errors = defineErrors({
  BAD_IDEMPOTENCY_KEY: { status: 400, message: "Idempotency-Key must be 1 to 255 printable ASCII characters" },
  INVALID_CURSOR: { status: 400, message: "The cursor is not one this server handed out" },
  KEY_BOUND_TO_OTHER_MINER: {
    status: 403,
    message: "This miner key is bound to another miner id (a key serves the miner that first used it)",
  },
  MINER_ID_TAKEN: { status: 403, message: "This miner id is registered to another key" },
  KEY_BOUND_TO_OTHER_WALLET: {
    status: 403,
    message: "This miner key is bound to another payout wallet (its miner is paid into that wallet only)",
  },
  NOT_YOUR_WALLET: { status: 403, message: "A key can only read its own wallet" },
  JOB_NOT_FOUND: { status: 404, message: "No such job" },
  MINER_NOT_FOUND: { status: 404, message: "No such miner" },
  KEY_NOT_FOUND: { status: 404, message: "No such key" },
  RECEIPT_NOT_FOUND: { status: 404, message: "This job has no receipt (it did not complete)" },
  MINER_NOT_REGISTERED: {
    status: 409,
    message: "This miner has not registered yet: send POST /v1/miner/heartbeat first",
  },
  LEASE_NOT_HELD: { status: 409, message: "This job is not leased to this miner" },
  LEASE_EXPIRED: { status: 409, message: "The lease on this job has expired; it goes back to the queue" },
  PROOF_CONFLICT: { status: 409, message: "A different proof for this job was already accepted from this miner" },
  JOB_FINAL: { status: 409, message: "The job is already finished" },
  OUTPUT_REMOVED: { status: 410, message: "The job's output was removed after the retention period" },
  RECORD_ARCHIVED: {
    status: 410,
    message:
      "This ledger record was moved to the ledger's archive (PITHEAD_LEDGER_ARCHIVE_DIR): it is no longer served here; the job's signed receipt still is",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    message: "This Idempotency-Key was already used with a different request",
  },
  WALLET_IN_USE: {
    status: 409,
    message: "This wallet belongs to another miner key: only a miner key bound to it may be paid into it",
  },
  LAST_ADMIN_KEY: { status: 409, message: "Refusing to revoke the last active admin key" },
  MINER_ID_IN_USE: {
    status: 409,
    message:
      "Another process is running as this miner id with another proof-signing key; this one is accepted once the other stops or has been silent for the heartbeat timeout",
  },
  MINER_ID_KEY_ACTIVE: {
    status: 409,
    message:
      "This miner id is registered to a key that is still active: revoke that key before binding the id to a new one",
  },
  OUTPUT_TOO_LARGE: { status: 413, message: "The output is larger than this coordinator accepts inline" },
  INSUFFICIENT_FUNDS: { status: 422, message: "The wallet cannot cover the escrow for this job" },
  AMOUNT_TOO_LARGE: { status: 422, message: "The amount is larger than this coordinator accepts" },
  INVALID_PARAMS: { status: 422, message: "The params do not suit this workload" },
  INVALID_VERIFICATION: { status: 422, message: "verification.quorum must be between 1 and verification.replicas" },
  BAD_OUTPUT_SHA: { status: 422, message: "output_sha is not the SHA-256 of the output" },
  BAD_OUTPUT_ENCODING: { status: 422, message: "output is not valid for its output_encoding" },
  SIGNATURE_REQUIRED: {
    status: 422,
    message: "This miner registered a public key, so its proofs must carry a signature",
  },
  BAD_SIGNATURE: { status: 422, message: "The proof signature does not verify against the miner's public key" },
  INVALID_PUBLIC_KEY: {
    status: 422,
    message: "capabilities.public_key must be a base64 Ed25519 public key (32 bytes)",
  },
  JOB_NOT_READY: { status: 425, message: "The job has no result yet" },
  TOO_MANY_STREAMS: {
    status: 429,
    message: "This key already holds as many event streams and long-polls as this coordinator allows at once",
  },
  STORE_UNAVAILABLE: {
    status: 503,
    message: "The coordinator cannot write: its store thread stopped, and the server is shutting down to be restarted",
  },
});

export type CoordinatorErrors = typeof errors;
