// `pithead ledger verify --checkpoint <file>`: checkpoints saved earlier that the ledger must still
// match, read from their files, and refused when they belong to another ledger or partition.
import { EXIT_USAGE, errorMessage, fail } from "../output.ts";
import { ledgerModule } from "./ledger-target.ts";

/** A --checkpoint file and the signed note it holds. */
export interface TrustedNote {
  file: string;
  note: string;
}

/** The notes of the --checkpoint files, each read as it was saved (see checkpoint-file.ts). */
export async function trustedNotes(files: string[]): Promise<TrustedNote[]> {
  const { readFileSync } = await import("node:fs");
  const { checkpointNoteFrom } = await import("./checkpoint-file.ts");
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      return fail(`--checkpoint ${file}: ${errorMessage(error)}`, EXIT_USAGE);
    }
    try {
      return { file, note: checkpointNoteFrom(text) };
    } catch (error) {
      return fail(`--checkpoint ${file} is malformed: ${errorMessage(error)}`, EXIT_USAGE);
    }
  });
}

/**
 * A saved checkpoint of another ledger or partition is the wrong input: refused, naming both origins,
 * rather than compared (which would blame every stored checkpoint for not having its origin).
 */
export async function refuseForeign(
  trusted: TrustedNote[],
  origin: string | undefined,
  partition: string,
): Promise<void> {
  const { parseCheckpoint } = await ledgerModule();
  for (const { file, note } of trusted) {
    const theirs = parseCheckpoint(note).origin;
    const foreign = origin !== undefined ? theirs !== origin : !theirs.endsWith(`/${partition}`);
    if (foreign) {
      fail(
        `--checkpoint ${file} is for origin ${theirs}, but ${origin !== undefined ? `the ledger's (${partition}) is ${origin}` : `the ledger's partition is ${partition}`}: it is a checkpoint of another ledger or partition`,
        EXIT_USAGE,
      );
    }
  }
}
