// Every error the fleet API answers with, in one registry (code → HTTP status, default message).

import { defineErrors } from "@pithead/http";

export const fleetErrors = defineErrors({
  AUTH_MISSING: { status: 401, message: "This route needs a signed request" },
  AUTH_MALFORMED: { status: 401, message: "The signature headers are malformed" },
  AUTH_UNKNOWN_OPERATOR: { status: 401, message: "Unknown operator" },
  AUTH_STALE_TIMESTAMP: { status: 401, message: "The request's timestamp is too far from the server's clock" },
  AUTH_BODY_MISMATCH: { status: 401, message: "The body does not match its signed hash" },
  AUTH_BAD_SIGNATURE: { status: 401, message: "The signature does not match" },
  AUTH_REPLAYED_NONCE: { status: 401, message: "The nonce was already used" },
  AUTH_BUSY: { status: 503, message: "Too many signed requests in the replay window" },
  OPERATOR_FORBIDDEN: { status: 403, message: "These credentials belong to another operator" },
  AMBIGUOUS_OPERATOR: { status: 400, message: "Several operators are configured: use /operators/:operatorId/..." },
  UNKNOWN_OPERATOR: { status: 404, message: "No such operator" },
  UNKNOWN_MINER: { status: 404, message: "No such miner" },
  UNKNOWN_RECORD: { status: 404, message: "No such record" },
  UNKNOWN_CYCLE: { status: 404, message: "querystring.cycle names no cycle record" },
  RECORD_ARCHIVED: {
    status: 410,
    message: "This record was moved to the ledger's archive (LEDGER_ARCHIVE_DIR): it is no longer served here",
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 409,
    message: "This Idempotency-Key was already used for a different request: send this one with a new key",
  },
  OPERATOR_QUARANTINED: {
    status: 503,
    message:
      "This operator's ledger partition could not be read back at start: its fleet is not run until it is repaired",
  },
  LEDGER_IN_USE: {
    status: 503,
    message: "Another process is writing this operator's ledger: this controller cannot record anything",
  },
});

export type FleetErrorCode = Parameters<typeof fleetErrors.error>[0];
