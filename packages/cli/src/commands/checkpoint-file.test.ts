import { generateKeyPairSync } from "node:crypto";
import { checkpointText, signerFromPrivateKey, signNote } from "@pithead/ledger";
import { describe, expect, it } from "vitest";
import { CheckpointFileError, checkpointNoteFrom } from "./checkpoint-file.ts";

const pem = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const signer = signerFromPrivateKey(pem, "pithead.local");
const note = signNote(checkpointText("pithead.local/ops", 3, Buffer.alloc(32, 7)), signer);

describe("a checkpoint file as a user saved it", () => {
  it("is the note in the text `pithead ledger checkpoint` prints, with its verifier key line", () => {
    expect(checkpointNoteFrom(`${note}\nverifier key: ${signer.verifierKey}\n`)).toBe(note);
  });

  it("is the note with trailing newlines (jq -r .note), or with Windows line ends", () => {
    expect(checkpointNoteFrom(`${note}\n`)).toBe(note);
    expect(checkpointNoteFrom(`${note}\n\n\n`)).toBe(note);
    expect(checkpointNoteFrom(note.replace(/\n/g, "\r\n"))).toBe(note);
  });

  it("is .note of the JSON of `checkpoint --json` or a checkpoint route, or .checkpoint.note of a proof", () => {
    expect(checkpointNoteFrom(JSON.stringify({ partition: "ops", note, size: 3 }, null, 2))).toBe(note);
    expect(checkpointNoteFrom(JSON.stringify({ record: {}, checkpoint: { note } }))).toBe(note);
  });

  it("says why anything else is not one", () => {
    expect(() => checkpointNoteFrom("")).toThrow(new CheckpointFileError("it is empty"));
    expect(() => checkpointNoteFrom('{"size":3}')).toThrow(/JSON without a \.note/);
    expect(() => checkpointNoteFrom("{oops")).toThrow(/looks like JSON but does not parse/);
    expect(() => checkpointNoteFrom("pithead.local/ops\n3\nAAAA\n")).toThrow(/not a signed checkpoint note/);
  });
});
