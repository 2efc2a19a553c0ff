// Notebook rules shared by the JSON-answer components.

import { NO_UPDATE, type PreviousOutput } from "./types.ts";

/** A notebook counts when it is neither empty nor "no update". */
export function hasNotebook(notebook: string): boolean {
  return notebook !== "" && notebook !== NO_UPDATE;
}

/**
 * "no update" from the model means "keep the document": answer with the first previous notebook
 * that is a document, so the caller always gets the current one back (the reference's rule).
 * `preferred` (the aggregate's majority notebook) wins over that first one when given.
 */
export function resolveNotebook(notebook: string, previous: PreviousOutput[], preferred?: string): string {
  if (notebook !== NO_UPDATE || previous.length === 0) return notebook;
  if (preferred !== undefined) return preferred;
  return previous.find((prev) => hasNotebook(prev.output.notebook))?.output.notebook ?? NO_UPDATE;
}
