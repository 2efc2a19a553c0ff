// C2SP signed-note and tlog-checkpoint text (https://c2sp.org/signed-note, /tlog-checkpoint), the
// format of golang.org/x/mod/sumdb/note: text ending in "\n", a blank line, then signature lines
// "— <key name> <base64(key id ‖ signature)>". Ed25519 key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4].
import { createPublicKey, verify as cryptoVerify } from "node:crypto";
import { sha256 } from "./hash.ts";

export const ED25519_ALGORITHM = 0x01;
const SIGNATURE_PREFIX = "— ";
const MAX_SIGNATURES = 100;

export class LedgerFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LedgerFormatError";
  }
}

/** Key names are non-empty and contain neither Unicode spaces nor '+'. */
export function assertKeyName(name: string): void {
  if (typeof name !== "string" || name.length === 0 || /[\s+]/u.test(name) || /[\p{Cc}]/u.test(name)) {
    throw new LedgerFormatError(`key name ${JSON.stringify(name)} must be non-empty, without spaces or '+'`);
  }
}

export function noteKeyId(keyName: string, publicKey: Uint8Array): Buffer {
  const digest = sha256(
    Buffer.concat([Buffer.from(`${keyName}\n`, "utf8"), Buffer.from([ED25519_ALGORITHM]), publicKey]),
  );
  return digest.subarray(0, 4);
}

/** `<name>+<hex key id>+<base64(0x01 ‖ public key)>` */
export function formatVerifierKey(keyName: string, publicKey: Uint8Array): string {
  const material = Buffer.concat([Buffer.from([ED25519_ALGORITHM]), publicKey]).toString("base64");
  return `${keyName}+${noteKeyId(keyName, publicKey).toString("hex")}+${material}`;
}

export interface VerifierKey {
  keyName: string;
  keyId: Buffer;
  publicKey: Buffer;
}

export function parseVerifierKey(verifierKey: string): VerifierKey {
  // The base64 part may itself contain '+', so split on the first two only.
  const first = verifierKey.indexOf("+");
  const second = first < 0 ? -1 : verifierKey.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new LedgerFormatError("verifier key must look like <name>+<hex id>+<base64 key>");
  const keyName = verifierKey.slice(0, first);
  const idHex = verifierKey.slice(first + 1, second);
  const material = Buffer.from(verifierKey.slice(second + 1), "base64");
  assertKeyName(keyName);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new LedgerFormatError("verifier key id must be 8 lowercase hex digits");
  if (material.length !== 33 || material[0] !== ED25519_ALGORITHM) {
    throw new LedgerFormatError("verifier key must be an Ed25519 key (algorithm 0x01, 32 bytes)");
  }
  const publicKey = material.subarray(1);
  const keyId = noteKeyId(keyName, publicKey);
  if (keyId.toString("hex") !== idHex) throw new LedgerFormatError("verifier key id does not match its name and key");
  return { keyName, keyId, publicKey };
}

export interface NoteSigner {
  keyName: string;
  keyId: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

function assertNoteText(text: string): void {
  if (!text.endsWith("\n")) throw new LedgerFormatError("note text must end with a newline");
  if (text.includes("\n\n")) throw new LedgerFormatError("note text must not contain a blank line");
  if (hasControlCharacter(text)) throw new LedgerFormatError("note text must not contain control characters");
}

/** Signs `text` and returns the complete signed note. */
export function signNote(text: string, signer: NoteSigner): string {
  assertNoteText(text);
  const signature = signer.sign(Buffer.from(text, "utf8"));
  const blob = Buffer.concat([signer.keyId, signature]).toString("base64");
  return `${text}\n${SIGNATURE_PREFIX}${signer.keyName} ${blob}\n`;
}

export interface NoteSignature {
  keyName: string;
  keyId: Uint8Array;
  signature: Uint8Array;
}

export function parseNote(saved: string): { text: string; signatures: NoteSignature[] } {
  if (typeof saved !== "string") throw new LedgerFormatError("note must be a string");
  // A note kept in a file often gains a newline at its end: blank lines after the signatures are not
  // part of the note (a blank line anywhere else still is an error).
  const note = saved.endsWith("\n\n") ? saved.replace(/\n+$/, "\n") : saved;
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new LedgerFormatError("note has no blank line before its signatures");
  const text = note.slice(0, split + 1);
  assertNoteText(text);
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) throw new LedgerFormatError("note must end with a newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > MAX_SIGNATURES) throw new LedgerFormatError(`note has more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map((line) => {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new LedgerFormatError("signature lines must start with '— '");
    const rest = line.slice(SIGNATURE_PREFIX.length);
    const space = rest.indexOf(" ");
    const keyName = rest.slice(0, Math.max(space, 0));
    const b64 = rest.slice(space + 1);
    if (space <= 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new LedgerFormatError("malformed signature line");
    assertKeyName(keyName);
    const blob = Buffer.from(b64, "base64");
    if (blob.length < 5 || blob.toString("base64") !== b64) throw new LedgerFormatError("malformed signature line");
    return { keyName, keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
  });
  return { text, signatures };
}

/**
 * The note's text if it carries a valid signature by `verifierKey`; undefined otherwise (no signature
 * by that key, a bad signature, or a malformed note). As in sumdb/note, the first signature line with
 * the key's name and id decides.
 */
export function openNote(note: string, verifierKey: string | VerifierKey): string | undefined {
  try {
    const key = typeof verifierKey === "string" ? parseVerifierKey(verifierKey) : verifierKey;
    const { text, signatures } = parseNote(note);
    const mine = signatures.find((s) => s.keyName === key.keyName && Buffer.from(s.keyId).equals(key.keyId));
    if (mine?.signature.length !== 64) return undefined;
    const publicKey = createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: key.publicKey.toString("base64url") },
      format: "jwk",
    });
    return cryptoVerify(null, Buffer.from(text, "utf8"), publicKey, mine.signature) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The unsigned tlog-checkpoint body: origin, decimal size, base64 root, each on its own line. */
export function checkpointText(origin: string, size: number, root: Uint8Array): string {
  return `${origin}\n${size}\n${Buffer.from(root).toString("base64")}\n`;
}

export interface ParsedCheckpoint {
  origin: string;
  size: number;
  /** hex */
  rootHash: string;
  signatures: NoteSignature[];
}

/** Parses a signed checkpoint note (signatures are parsed, not verified). Throws LedgerFormatError. */
export function parseCheckpoint(note: string): ParsedCheckpoint {
  const { text, signatures } = parseNote(note);
  const lines = text.slice(0, -1).split("\n");
  const [origin, sizeText, rootText] = lines;
  if (!origin) throw new LedgerFormatError("checkpoint has no origin line");
  if (sizeText === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText))) {
    throw new LedgerFormatError("checkpoint size must be a decimal integer without leading zeros");
  }
  const root = Buffer.from(rootText ?? "", "base64");
  if (root.length !== 32 || root.toString("base64") !== rootText) {
    throw new LedgerFormatError("checkpoint root must be the base64 of 32 bytes");
  }
  return { origin, size: Number(sizeText), rootHash: root.toString("hex"), signatures };
}

/** True when `note` is a well-formed checkpoint signed by `verifierKey`. */
export function verifyCheckpoint(note: string, verifierKey: string): boolean {
  try {
    parseCheckpoint(note);
  } catch {
    return false;
  }
  return openNote(note, verifierKey) !== undefined;
}
