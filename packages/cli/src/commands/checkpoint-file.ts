// A checkpoint a user saved earlier, for `pithead ledger verify --checkpoint FILE`. People save it
// the ways the tools print it, so each is taken as it comes:
//   pithead ledger checkpoint X > cp.txt          the note, a blank line, "verifier key: …"
//   pithead ledger checkpoint X --json > cp.json  JSON with .note
//   … --json | jq -r .note > cp.txt               the note and one more newline
//   curl …/v1/ledger/checkpoint > cp.json         JSON with .note (a record's proof: .checkpoint.note)
// Pure: text in, the signed note out (checked by the ledger's parser), or why it is not one.

import { parseCheckpoint } from "@pithead/ledger";
import { errorMessage } from "../output.ts";

export class CheckpointFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointFileError";
  }
}

function noteOfJson(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CheckpointFileError(`it looks like JSON but does not parse (${errorMessage(error)})`);
  }
  const object = value as { note?: unknown; checkpoint?: { note?: unknown } | null } | null;
  const note = object?.note ?? object?.checkpoint?.note;
  if (typeof note !== "string") {
    throw new CheckpointFileError(
      "it is JSON without a .note (the output of `checkpoint --json` or the checkpoint route)",
    );
  }
  return note;
}

/** The signed note in a saved checkpoint file's text. */
export function checkpointNoteFrom(text: string): string {
  const plain = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  const trimmed = plain.trim();
  if (trimmed === "") throw new CheckpointFileError("it is empty");
  const note = trimmed.startsWith("{")
    ? noteOfJson(trimmed)
    : // The line `pithead ledger checkpoint` prints after the note is not part of it.
      `${plain
        .split("\n")
        .filter((line) => !line.startsWith("verifier key:"))
        .join("\n")
        .trim()}\n`;
  try {
    parseCheckpoint(note);
  } catch (error) {
    throw new CheckpointFileError(`it is not a signed checkpoint note: ${errorMessage(error)}`);
  }
  return note;
}
