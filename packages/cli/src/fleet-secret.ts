// A fleet operator's HMAC secret from the CLI's options: --secret-file, --secret or FLEET_SECRET.
import { readFileSync } from "node:fs";
import { errorMessage, fail } from "./output.ts";

export function fleetSecret(options: { secret?: string; secretFile?: string }, required: boolean): string | undefined {
  if (options.secretFile) {
    try {
      return readFileSync(options.secretFile, "utf8").trim();
    } catch (error) {
      fail(`cannot read --secret-file: ${errorMessage(error)}`);
    }
  }
  const secret = options.secret ?? process.env.FLEET_SECRET;
  if (required && !secret) fail("a secret is needed: --secret-file <file>, --secret <secret> or FLEET_SECRET", 2);
  return secret;
}
