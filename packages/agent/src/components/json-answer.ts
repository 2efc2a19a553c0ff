// Turning a model's text into {immediate_response, notebook}, as the reference does: the fenced
// ```json block if any, else the first fenced block, else the whole text; parsed as JSON; missing
// fields fall back to the raw text and "no update". Fixes: an answer that is JSON but not an
// object (a list, a number) is raw text instead of a 500, and non-string fields are made strings.

import { type ComponentOutputData, MAX_IMMEDIATE_RESPONSE, MAX_NOTEBOOK, NO_UPDATE } from "./types.ts";

/** The text the reference hands to json.loads (same split semantics as Python's str.split). */
export function jsonCandidate(raw: string): string {
  const text = raw.trim();
  if (text.includes("```json")) return (text.split("```json")[1] ?? "").split("```")[0]?.trim() ?? "";
  if (text.includes("```")) return (text.split("```")[1] ?? "").split("```")[0]?.trim() ?? "";
  return text;
}

function asText(value: unknown, whenMissing: string): string {
  if (value === undefined || value === null) return whenMissing;
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value, null, 2);
  return String(value);
}

export function parseJsonAnswer(raw: string): ComponentOutputData {
  let parsed: unknown;
  try {
    parsed = JSON.parse(jsonCandidate(raw));
  } catch {
    return fitOutput({ immediate_response: raw, notebook: NO_UPDATE });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    return fitOutput({ immediate_response: raw, notebook: NO_UPDATE });
  }
  const fields = parsed as Record<string, unknown>;
  return fitOutput({
    immediate_response: asText(fields.immediate_response, raw),
    notebook: asText(fields.notebook, NO_UPDATE),
  });
}

/**
 * The first `max` characters, counted as the request validation counts them (code points, as Ajv's
 * maxLength does), so a cut never splits a surrogate pair: half an emoji would be stored as U+FFFD
 * and would make the answer, sent back as previous_outputs, a 422.
 */
export function firstCharacters(text: string, max: number): string {
  if (text.length <= max) return text;
  let units = 0;
  for (let count = 0; count < max && units < text.length; count++) {
    units += (text.codePointAt(units) as number) > 0xffff ? 2 : 1;
  }
  return text.slice(0, units);
}

/** Cuts the fields to the response limits rather than failing a request the model overran. */
export function fitOutput(output: ComponentOutputData): ComponentOutputData {
  return {
    immediate_response: firstCharacters(output.immediate_response, MAX_IMMEDIATE_RESPONSE),
    notebook: firstCharacters(output.notebook, MAX_NOTEBOOK),
  };
}
