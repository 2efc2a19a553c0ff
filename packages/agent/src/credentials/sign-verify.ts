// Signing and verifying registration credentials (sr25519, as bittensor's Keypair.sign/verify).

import { createHash } from "node:crypto";
import { u8aToHex } from "@polkadot/util";
import { decodeAddress, sr25519Sign, sr25519Verify } from "@polkadot/util-crypto";
import { apiKeyProblem } from "../config/api-key-rule.ts";
import {
  CredentialsError,
  credentialsMessage,
  formatCredentials,
  parseCredentials,
  pythonIsoformat,
} from "./credentials-file.ts";
import { addressOf, type Sr25519Pair } from "./keypair.ts";
import { localZoneName } from "./zone-name.ts";

export interface SignedCredentials {
  text: string;
  /** The URL signed (normalizeApiUrl of the one given). */
  apiUrl: string;
  message: string;
  address: string;
  signature: string;
}

/**
 * The API URL as the portal should call it: without a trailing slash, which it would put before
 * "/complete" ("http://host//complete", a redirect or a 404 at FastAPI's router).
 */
export function normalizeApiUrl(apiUrl: string): string {
  return apiUrl.replace(/\/+$/, "");
}

/** A short, one-way name for a token (the agent's API key), so output can tell keys apart without showing one. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
}

/**
 * The message to sign, refusing what would register an agent no one can call (CredentialsError):
 * a URL with a query or fragment, after which the portal's "/complete" lands in the query or the
 * fragment instead of the path, and a token the agent refuses as its API_KEY (too short, a
 * placeholder), which would also publish a guessable key. (Verifying still reads such files.)
 */
export function signableMessage(apiUrl: string, token: string): string {
  const message = credentialsMessage(apiUrl, token);
  const url = new URL(apiUrl);
  if (url.search !== "" || url.hash !== "" || /[?#]/.test(apiUrl)) {
    throw new CredentialsError(
      "api_url",
      `api_url must not have a query or fragment ("${apiUrl}"): the portal appends /complete to it, which would land after the ? or #`,
    );
  }
  const problem = apiKeyProblem(token);
  if (problem) throw new CredentialsError("token", `the token is the agent's API_KEY, and it ${problem}`);
  return message;
}

export function signCredentials(given: string, token: string, pair: Sr25519Pair, now = new Date()): SignedCredentials {
  const apiUrl = normalizeApiUrl(given);
  const message = signableMessage(apiUrl, token);
  const signature = u8aToHex(sr25519Sign(new TextEncoder().encode(message), pair)).slice(2);
  const address = addressOf(pair);
  const text = formatCredentials({
    message,
    address,
    signature,
    timestamp: `${pythonIsoformat(now)} (${localZoneName(now)})`,
  });
  return { text, apiUrl, message, address, signature };
}

export interface Verification {
  valid: boolean;
  apiUrl: string;
  token: string;
  address: string;
  /** The signature covers `<Bytes>message</Bytes>` (how polkadot.js extensions sign) rather than the message. */
  wrapped: boolean;
  /** Why it is not valid. */
  reason?: string;
  /** The field that makes the file malformed (not a signature that fails): "signed_by", not SS58. */
  malformed?: "signed_by";
  /** The Timestamp line, if any: informational, not covered by the signature. */
  timestamp?: string;
}

function safeVerify(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    return sr25519Verify(message, signature, publicKey);
  } catch {
    return false;
  }
}

/** Checks a credentials file; parse errors throw CredentialsError naming the field. */
export function verifyCredentials(text: string): Verification {
  const parsed = parseCredentials(text);
  const base = {
    apiUrl: parsed.apiUrl,
    token: parsed.token,
    address: parsed.address,
    wrapped: false,
    ...(parsed.timestamp === undefined ? {} : { timestamp: parsed.timestamp }),
  };
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(parsed.address);
  } catch (error) {
    return {
      ...base,
      valid: false,
      malformed: "signed_by",
      reason: `"${parsed.address}" is not an SS58 address (${(error as Error).message})`,
    };
  }
  const signature = Buffer.from(parsed.signature, "hex");
  const message = new TextEncoder().encode(parsed.message);
  if (safeVerify(message, signature, publicKey)) return { ...base, valid: true };
  const wrapped = new TextEncoder().encode(`<Bytes>${parsed.message}</Bytes>`);
  if (safeVerify(wrapped, signature, publicKey)) return { ...base, valid: true, wrapped: true };
  return { ...base, valid: false, reason: "the signature does not match the message and the address" };
}
