// A fleet operator's HMAC secret from the CLI's options: --secret-file, --secret or FLEET_SECRET.
import { readFileSync } from "node:fs";
import { readProblem } from "./file-problem.ts";
import { EXIT_USAGE, fail } from "./output.ts";

export function fleetSecret(options: { secret?: string; secretFile?: string }, required: boolean): string | undefined {
  if (options.secretFile) {
    try {
      return readFileSync(options.secretFile, "utf8").trim();
    } catch (error) {
      // A file named by an option that cannot be read is a wrong command line (2), like --key-file:
      // 1 is kept for "verification found a problem".
      fail(`cannot use --secret-file: ${readProblem(options.secretFile, error)}`, EXIT_USAGE);
    }
  }
  const secret = options.secret ?? process.env.FLEET_SECRET;
  if (required && !secret)
    fail("a secret is needed: --secret-file <file>, --secret <secret> or FLEET_SECRET", EXIT_USAGE);
  return secret;
}
