// Signed requests to the fleet API (see docs/auth.md). This module is browser-safe: it uses
// only Web Crypto (globalThis.crypto.subtle, in browsers and Node ≥ 19) and no Node modules, so
// the dashboard imports it as `@pithead/fleet/sign`.
//
// The signature covers the operator id, the method, the path with its query, a timestamp, a
// nonce and the SHA-256 of the exact body bytes, joined by newlines under a version line:
//
//   PITHEAD-HMAC-SHA256-V1\n<operatorId>\n<METHOD>\n<path?query>\n<timestamp ms>\n<nonce>\n<body sha256 hex>
//
// A request that sends an Idempotency-Key header signs it too, as an eighth line
// (`\nidempotency-key:<key>`): otherwise anyone on the path could swap a fresh command's key for an
// old one and have the server answer with the old result instead of acting. A request without the
// header signs the seven lines as before.

export const signatureVersion = "PITHEAD-HMAC-SHA256-V1";

export const fleetAuthHeaders = {
  operator: "x-pithead-operator",
  timestamp: "x-pithead-timestamp",
  nonce: "x-pithead-nonce",
  contentSha256: "x-pithead-content-sha256",
  signature: "x-pithead-signature",
  idempotencyKey: "idempotency-key",
} as const;

export interface SignInput {
  operatorId: string;
  secret: string;
  method: string;
  /** Path with query exactly as it will be sent: "/operators/op-1/miners?limit=10". */
  path: string;
  /** The exact body bytes that will be sent (a string is taken as UTF-8); none for GET. */
  body?: string | Uint8Array;
  /** Milliseconds since the epoch; default now. */
  now?: number;
  /** 16–128 characters of [A-Za-z0-9_-]; default 128 random bits. */
  nonce?: string;
  /** Web Crypto to use; default globalThis.crypto. */
  crypto?: typeof globalThis.crypto;
  /** The Idempotency-Key to send (POST /miners/:id/start|stop|restart): signed, and in the headers. */
  idempotencyKey?: string;
}

const encoder = new TextEncoder();

function hex(bytes: ArrayBuffer): string {
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function bytesOf(body: string | Uint8Array | undefined): Uint8Array<ArrayBuffer> {
  if (body === undefined) return new Uint8Array(0);
  if (typeof body === "string") return encoder.encode(body);
  const copy = new Uint8Array(body.byteLength);
  copy.set(body);
  return copy;
}

/** The string that is signed; shared by the client and the server so they cannot drift apart. */
export function canonicalRequest(parts: {
  operatorId: string;
  method: string;
  path: string;
  timestamp: string;
  nonce: string;
  contentSha256: string;
  /** The Idempotency-Key header as sent, when one is. */
  idempotencyKey?: string;
}): string {
  const lines = [
    signatureVersion,
    parts.operatorId,
    parts.method.toUpperCase(),
    parts.path,
    parts.timestamp,
    parts.nonce,
    parts.contentSha256,
  ];
  if (parts.idempotencyKey !== undefined) lines.push(`idempotency-key:${parts.idempotencyKey}`);
  return lines.join("\n");
}

export const noncePattern = /^[A-Za-z0-9_-]{16,128}$/;

function randomNonce(crypto: typeof globalThis.crypto): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let text = "";
  for (const byte of bytes) text += byte.toString(16).padStart(2, "0");
  return text;
}

/** Headers that authenticate one request as `operatorId`. Send the body byte for byte as signed. */
export async function signFleetRequest(input: SignInput): Promise<Record<string, string>> {
  const crypto = input.crypto ?? globalThis.crypto;
  if (!crypto?.subtle) throw new Error("signFleetRequest needs Web Crypto (crypto.subtle): a browser or Node 19+");
  if (!input.path.startsWith("/")) throw new Error(`path must start with '/', got ${JSON.stringify(input.path)}`);
  const nonce = input.nonce ?? randomNonce(crypto);
  if (!noncePattern.test(nonce)) throw new Error("nonce must be 16–128 characters of [A-Za-z0-9_-]");
  const timestamp = String(Math.floor(input.now ?? Date.now()));
  const contentSha256 = hex(await crypto.subtle.digest("SHA-256", bytesOf(input.body)));
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(input.secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const canonical = canonicalRequest({
    operatorId: input.operatorId,
    method: input.method,
    path: input.path,
    timestamp,
    nonce,
    contentSha256,
    ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
  });
  const signature = hex(await crypto.subtle.sign("HMAC", key, encoder.encode(canonical)));
  return {
    [fleetAuthHeaders.operator]: input.operatorId,
    [fleetAuthHeaders.timestamp]: timestamp,
    [fleetAuthHeaders.nonce]: nonce,
    [fleetAuthHeaders.contentSha256]: contentSha256,
    [fleetAuthHeaders.signature]: `v1=${signature}`,
    ...(input.idempotencyKey !== undefined ? { [fleetAuthHeaders.idempotencyKey]: input.idempotencyKey } : {}),
  };
}
