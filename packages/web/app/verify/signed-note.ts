// C2SP signed notes and tlog checkpoints (https://c2sp.org/signed-note, /tlog-checkpoint), the
// format of the ledger's checkpoints: "<origin>\n<size>\n<base64 root>\n", a blank line, then
// "— <key name> <base64(key id ‖ signature)>" lines. A verifier key is
// "<name>+<hex key id>+<base64(0x01 ‖ Ed25519 public key)>", key id = SHA-256(name ‖ "\n" ‖ 0x01 ‖ key)[:4].

import {
  type Bytes,
  bytesFromBase64,
  bytesFromHex,
  concatBytes,
  ed25519Verify,
  equalBytes,
  hexOf,
  sha256,
  utf8,
} from "./bytes.ts";

export interface VerifierKey {
  name: string;
  keyId: Bytes;
  publicKey: Bytes;
}

export interface ParsedCheckpoint {
  /** The signed text. */
  text: string;
  origin: string;
  size: number;
  rootHex: string;
  signatures: { name: string; keyId: Bytes; signature: Bytes }[];
}

export class NoteFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NoteFormatError";
  }
}

export async function parseVerifierKey(text: string): Promise<VerifierKey> {
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new NoteFormatError("a verifier key looks like <name>+<hex id>+<base64 key>");
  const name = text.slice(0, first);
  const keyId = bytesFromHex(text.slice(first + 1, second), 4);
  const material = bytesFromBase64(text.slice(second + 1));
  if (!keyId) throw new NoteFormatError("the verifier key's id must be 8 lowercase hex digits");
  if (material?.length !== 33 || material[0] !== 1)
    throw new NoteFormatError("the verifier key must be an Ed25519 key (0x01 and 32 bytes)");
  const publicKey = material.slice(1);
  const expected = (await sha256(concatBytes(utf8(`${name}\n`), new Uint8Array([1]), publicKey))).slice(0, 4);
  if (!equalBytes(expected, keyId)) throw new NoteFormatError("the verifier key's id does not match its name and key");
  return { name, keyId, publicKey };
}

export function parseCheckpoint(note: string): ParsedCheckpoint {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new NoteFormatError("the checkpoint has no blank line before its signatures");
  const text = note.slice(0, split + 1);
  const [origin, sizeText, rootText, ...extra] = text.slice(0, -1).split("\n");
  if (!origin) throw new NoteFormatError("the checkpoint has no origin line");
  if (sizeText === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(sizeText))
    throw new NoteFormatError("the checkpoint's size is not a decimal integer");
  const root = bytesFromBase64(rootText);
  if (root?.length !== 32) throw new NoteFormatError("the checkpoint's root is not the base64 of 32 bytes");
  const block = note.slice(split + 2);
  if (!block.endsWith("\n")) throw new NoteFormatError("the note must end with a newline");
  const signatures = block
    .slice(0, -1)
    .split("\n")
    .map((line) => {
      const match = /^— (\S+) ([A-Za-z0-9+/]+={0,2})$/.exec(line);
      const blob = match ? bytesFromBase64(match[2]) : undefined;
      if (!match || !blob || blob.length < 5)
        throw new NoteFormatError(`malformed signature line: ${JSON.stringify(line)}`);
      return { name: match[1] as string, keyId: blob.slice(0, 4), signature: blob.slice(4) };
    });
  void extra; // extension lines after the root are allowed by tlog-checkpoint and signed with the rest
  return { text, origin, size: Number(sizeText), rootHex: hexOf(root), signatures };
}

/** True when the note carries a valid signature by `key` (the first line with its name and id decides). */
export async function noteSignedBy(checkpoint: ParsedCheckpoint, key: VerifierKey): Promise<boolean> {
  const mine = checkpoint.signatures.find((s) => s.name === key.name && equalBytes(s.keyId, key.keyId));
  if (!mine) return false;
  return ed25519Verify(key.publicKey, mine.signature, utf8(checkpoint.text));
}
