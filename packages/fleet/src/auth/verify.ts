// Server-side check of a signed fleet request (see sign.ts for the scheme and docs/auth.md).
// Order matters: cheap header checks, then the body hash, then the HMAC in constant time, and
// only a request whose signature is good may spend a nonce (so nobody without the secret can
// fill the nonce cache or burn a legitimate client's nonce).

import { createHash, createHmac } from "node:crypto";
import { timingSafeEqualString } from "@pithead/http";
import { NonceCache } from "./nonce-cache.ts";
import { canonicalRequest, fleetAuthHeaders, noncePattern } from "./sign.ts";
import { misreadTimestampUnit, timestampUnitHint } from "./timestamp-unit.ts";

export type AuthFailure =
  | "AUTH_MISSING"
  | "AUTH_MALFORMED"
  | "AUTH_UNKNOWN_OPERATOR"
  | "AUTH_STALE_TIMESTAMP"
  | "AUTH_BODY_MISMATCH"
  | "AUTH_BAD_SIGNATURE"
  | "AUTH_REPLAYED_NONCE"
  | "AUTH_BUSY";

export type AuthResult =
  | { ok: true; operatorId: string; scheme: "hmac-v1" | "legacy-bearer" }
  | { ok: false; failure: AuthFailure; message: string };

export interface VerifyInput {
  method: string;
  /** Path with query as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body bytes as received (empty for none). */
  body: Buffer;
  nowMs: number;
}

function header(headers: VerifyInput["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface RequestVerifierOptions {
  /** Operator id → secret. */
  secrets: ReadonlyMap<string, string>;
  maxSkewMs: number;
  /** Accept the seed's replayable `Authorization: Bearer <operatorId>:<hmac>` too. */
  legacyBearer: boolean;
  nonceCapacity?: number;
  /**
   * When this process started (ms). The nonces of requests signed before it died with the process
   * before, so a request that changes something and was signed earlier cannot be told from a
   * replay: it is refused. Reads are not (replaying one changes nothing).
   */
  startedAtMs?: number;
}

const emptySha256 = createHash("sha256").update("").digest("hex");
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function signCommand(operatorId: string): string {
  return `\`npx pithead fleet sign --operator ${operatorId} --secret-file <file> --path <path>\``;
}

/**
 * The seed's `Bearer <operatorId>:<hmac>` sent to a controller that does not take it: say so, and
 * both ways out, rather than only that a signature header is missing.
 */
function legacyDisabledMessage(authorization: string): string {
  const operatorId = /^Bearer ([A-Za-z0-9._-]{1,64}):/.exec(authorization.trim())?.[1] ?? "<id>";
  return `the legacy 'Authorization: Bearer <operatorId>:<hmac>' form is disabled on this controller (it can be replayed): sign the request instead (${fleetAuthHeaders.signature} and the other X-Pithead-* headers, see /docs; ${signCommand(operatorId)} prints curl-ready headers), or start the controller with AUTH_ALLOW_LEGACY_BEARER=true to accept it`;
}

export class RequestVerifier {
  private readonly options: RequestVerifierOptions;
  private readonly nonces: NonceCache;

  constructor(options: RequestVerifierOptions) {
    this.options = options;
    this.nonces = new NonceCache({ windowMs: options.maxSkewMs, maxEntries: options.nonceCapacity });
  }

  verify(input: VerifyInput): AuthResult {
    const signature = header(input.headers, fleetAuthHeaders.signature);
    if (signature === undefined) {
      const authorization = header(input.headers, "authorization");
      if (authorization?.startsWith("Bearer ")) {
        if (this.options.legacyBearer) return this.verifyLegacy(input, authorization);
        return { ok: false, failure: "AUTH_MISSING", message: legacyDisabledMessage(authorization) };
      }
      return {
        ok: false,
        failure: "AUTH_MISSING",
        message: `missing ${fleetAuthHeaders.signature} header: sign the request (see /docs; ${signCommand("<id>")} prints curl-ready headers)`,
      };
    }
    const operatorId = header(input.headers, fleetAuthHeaders.operator);
    const timestamp = header(input.headers, fleetAuthHeaders.timestamp);
    const nonce = header(input.headers, fleetAuthHeaders.nonce);
    const claimedHash = header(input.headers, fleetAuthHeaders.contentSha256);
    for (const [name, value] of [
      [fleetAuthHeaders.operator, operatorId],
      [fleetAuthHeaders.timestamp, timestamp],
      [fleetAuthHeaders.nonce, nonce],
      [fleetAuthHeaders.contentSha256, claimedHash],
    ] as const) {
      if (value === undefined || value === "")
        return { ok: false, failure: "AUTH_MISSING", message: `missing ${name} header` };
    }
    const match = /^v1=([0-9a-f]{64})$/.exec(signature);
    if (!match)
      return {
        ok: false,
        failure: "AUTH_MALFORMED",
        // Node's digest("hex") is lowercase; an uppercase one (another language's default) is the usual slip.
        message: /^v1=[0-9a-fA-F]{64}$/.test(signature)
          ? `${fleetAuthHeaders.signature} must be v1=<64 lowercase hex digits>: this one has uppercase digits (send the HMAC's hex in lowercase)`
          : `${fleetAuthHeaders.signature} must be v1=<64 lowercase hex digits>`,
      };
    if (!/^\d{1,16}$/.test(timestamp as string)) {
      const unit = /^\d{17,20}$/.test(timestamp as string)
        ? misreadTimestampUnit(timestamp as string, input.nowMs)
        : undefined;
      return {
        ok: false,
        failure: "AUTH_MALFORMED",
        message: unit
          ? timestampUnitHint(fleetAuthHeaders.timestamp, timestamp as string, unit)
          : `${fleetAuthHeaders.timestamp} must be Unix time in milliseconds`,
      };
    }
    if (!noncePattern.test(nonce as string))
      return {
        ok: false,
        failure: "AUTH_MALFORMED",
        message: `${fleetAuthHeaders.nonce} must be 16–128 characters of [A-Za-z0-9_-]`,
      };
    const secret = this.options.secrets.get(operatorId as string);
    if (secret === undefined)
      return { ok: false, failure: "AUTH_UNKNOWN_OPERATOR", message: `no operator '${operatorId}'` };
    const skew = Math.abs(input.nowMs - Number(timestamp));
    if (skew > this.options.maxSkewMs) {
      const unit = misreadTimestampUnit(timestamp as string, input.nowMs);
      return {
        ok: false,
        failure: "AUTH_STALE_TIMESTAMP",
        message: unit
          ? timestampUnitHint(fleetAuthHeaders.timestamp, timestamp as string, unit)
          : `timestamp is ${Math.round(skew / 1000)} s away from the server's clock (at most ${this.options.maxSkewMs / 1000} s)`,
      };
    }
    const startedAt = this.options.startedAtMs;
    if (startedAt !== undefined && Number(timestamp) < startedAt && !SAFE_METHODS.has(input.method.toUpperCase())) {
      return {
        ok: false,
        failure: "AUTH_STALE_TIMESTAMP",
        message:
          "signed before this controller (re)started: its replay protection cannot vouch for it, so sign the request again",
      };
    }
    const bodyHash = createHash("sha256").update(input.body).digest("hex");
    if (!timingSafeEqualString(bodyHash, (claimedHash as string).toLowerCase())) {
      // A GET's body is never read (the server hashes none): say so rather than "does not match".
      const bodiless = SAFE_METHODS.has(input.method.toUpperCase()) && input.body.length === 0;
      return {
        ok: false,
        failure: "AUTH_BODY_MISMATCH",
        message: bodiless
          ? `a ${input.method.toUpperCase()} request has no body: bodies are not read or signed on ${input.method.toUpperCase()}, so sign it with the SHA-256 of the empty string (${emptySha256}) and send no body`
          : "the body's SHA-256 does not match the signed one",
      };
    }
    const idempotencyKey = input.headers[fleetAuthHeaders.idempotencyKey];
    if (Array.isArray(idempotencyKey))
      return { ok: false, failure: "AUTH_MALFORMED", message: "Idempotency-Key was sent more than once" };
    const parts = {
      operatorId: operatorId as string,
      method: input.method,
      path: input.path,
      timestamp: timestamp as string,
      nonce: nonce as string,
      contentSha256: bodyHash,
    };
    const signed = (canonical: string) =>
      timingSafeEqualString(createHmac("sha256", secret).update(canonical).digest("hex"), match[1] as string);
    if (!signed(canonicalRequest({ ...parts, ...(idempotencyKey !== undefined ? { idempotencyKey } : {}) }))) {
      // Signed as before the key was covered: say what is missing rather than "does not match".
      const keyUnsigned = idempotencyKey !== undefined && signed(canonicalRequest(parts));
      return {
        ok: false,
        failure: "AUTH_BAD_SIGNATURE",
        message: keyUnsigned
          ? "the Idempotency-Key header is not covered by the signature: add it to the signed string as an eighth line, idempotency-key:<key> (docs/auth.md)"
          : "signature does not match (check the secret, the method, the path with its query, the body and the Idempotency-Key if one is sent)",
      };
    }
    const seen = this.nonces.remember(operatorId as string, nonce as string, input.nowMs);
    if (seen === "replayed")
      return { ok: false, failure: "AUTH_REPLAYED_NONCE", message: "this nonce was already used: a replayed request" };
    if (seen === "full")
      return {
        ok: false,
        failure: "AUTH_BUSY",
        message: "too many signed requests in the replay window; retry shortly",
      };
    return { ok: true, operatorId: operatorId as string, scheme: "hmac-v1" };
  }

  /** The seed's scheme: HMAC-SHA256(secret, "<operatorId>:<METHOD>:<URL>"). Replayable: opt-in only. */
  private verifyLegacy(input: VerifyInput, authorization: string): AuthResult {
    const match = /^Bearer ([A-Za-z0-9._-]{1,64}):([0-9a-fA-F]{64})$/.exec(authorization.trim());
    if (!match)
      return {
        ok: false,
        failure: "AUTH_MALFORMED",
        message: "legacy Authorization must be Bearer <operatorId>:<hex hmac>",
      };
    const operatorId = match[1] as string;
    const secret = this.options.secrets.get(operatorId);
    if (secret === undefined)
      return { ok: false, failure: "AUTH_UNKNOWN_OPERATOR", message: `no operator '${operatorId}'` };
    const expected = createHmac("sha256", secret)
      .update(`${operatorId}:${input.method.toUpperCase()}:${input.path}`)
      .digest("hex");
    if (!timingSafeEqualString(expected, (match[2] as string).toLowerCase()))
      return { ok: false, failure: "AUTH_BAD_SIGNATURE", message: "legacy bearer HMAC does not match" };
    return { ok: true, operatorId, scheme: "legacy-bearer" };
  }
}
