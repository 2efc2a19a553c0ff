// The login code `pithead up` prints and the dashboard's first screen asks for. Eight characters
// from an alphabet without look-alikes (no 0/O, 1/I/L), shown as two groups of four: about 40
// bits, which the rate limit on POST /session puts far out of reach of guessing.

import { randomInt } from "node:crypto";
import { timingSafeEqualString } from "@pithead/http";

const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const LENGTH = 8;

export function generateLoginCode(): string {
  let code = "";
  for (let i = 0; i < LENGTH; i++) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What the user typed, as the code is compared: upper case, without spaces and dashes. */
export function normaliseLoginCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, "");
}

/** Constant-time comparison of what the user typed with the code. */
export function loginCodeMatches(typed: string, code: string): boolean {
  return timingSafeEqualString(normaliseLoginCode(typed), normaliseLoginCode(code));
}
