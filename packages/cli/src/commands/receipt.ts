// `pithead receipt verify`: checks signed receipts against the coordinator's published key (fetched
// from --url) or a key given with --public-key; never against a key inside the receipt. A job result
// file is checked whole: every receipt in it, and its output, output_sha and job id against them.
// Exit codes as `pithead ledger verify`'s, so that a script tells a forged receipt from an outage:
// 1 invalid, 2 the command line is wrong, 3 could not run (see EXIT_CODES_HELP).
import { readFileSync } from "node:fs";
import { CoordinatorApiError, CoordinatorClient, keyIdOf, verifyReceipt } from "@pithead/coordinator";
import type { Command } from "commander";
import { coordinatorUrlOf } from "../coordinator-url.ts";
import { EXIT_CANNOT, EXIT_FAILED, EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { checkReceipts, NotAReceiptError, type ReceiptCheck } from "./receipt-check.ts";

const EXIT_CODES_HELP = [
  "",
  "Exit codes: 0 every receipt valid; 1 INVALID (a receipt or the result's job_id, output_sha or",
  "output does not verify, or a job result's receipts are missing or malformed); 2 the command",
  "line is wrong (an option, a --url that is not a URL, a --public-key that cannot be read or is",
  "not a key); 3 the command could not run (the file missing, unreadable, or not a receipt or job",
  "result; the coordinator unreachable or refusing, or publishing no usable key). Errors go to",
  "stderr as one line.",
  "",
].join("\n");

function readDocument(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (error) {
    // One line: JSON.parse quotes the text it stopped at, line breaks and all.
    const message = errorMessage(error).replace(/\s*\n\s*/g, " ");
    return fail(`cannot read a receipt from ${file}: ${message}`, EXIT_CANNOT);
  }
}

function readKey(value: string): string {
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch {
    fail(`--public-key must be a base64 Ed25519 key or a PEM file: cannot read ${value}`, EXIT_USAGE);
  }
}

/** The id of the key receipts are checked against (what a refusal names); `from` says where it came from. */
function keyIdOrFail(key: string, from: string, code: number): string {
  try {
    return keyIdOf(key);
  } catch (error) {
    return fail(`${from} is not an Ed25519 public key (${(error as Error).message})`, code);
  }
}

function checkText(check: ReceiptCheck): string {
  const lines = check.receipts
    .filter((entry) => entry.valid)
    .map(
      ({ signed: { receipt: r } }) =>
        `valid: receipt ${r.receipt_id} — job ${r.job_id} paid ${r.reward} to ${r.wallet} (miner ${r.miner_id}), ledger record ${r.ledger_seq}`,
    );
  for (const problem of check.problems) lines.push(`INVALID: ${problem.message}`);
  return lines.join("\n");
}

export function registerReceiptCommands(program: Command): void {
  const receipt = program.command("receipt").description("Signed job receipts");
  receipt
    .command("verify")
    .description(
      "Verify a receipt (a file, or - for stdin) against the coordinator's published key. A job result is checked whole: every receipt in it, and its job_id, output_sha and output against them",
    )
    .argument("<file>", "receipt JSON, or a job result JSON (GET /v1/jobs/{id}/result, `pithead jobs result --json`)")
    .option("--url <url>", "coordinator to fetch the public key from [PITHEAD_URL, COORD_URL]")
    .option("--public-key <key>", "base64 Ed25519 public key or a PEM file (instead of fetching it)")
    .option(
      "--json",
      "print JSON: {valid, public_key_id (the key checked against), receipts: [{field, valid, receipt, key_id}], problems: [{field, message}]}",
    )
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (file: string, options: { url?: string; publicKey?: string; json?: boolean }) => {
      const document = readDocument(file);
      let publicKey: string;
      let keyId: string;
      if (options.publicKey) {
        publicKey = readKey(options.publicKey);
        keyId = keyIdOrFail(publicKey, `--public-key ${options.publicKey}`, EXIT_USAGE);
      } else {
        const url = coordinatorUrlOf(options.url);
        try {
          publicKey = (await new CoordinatorClient(url).receiptKey()).public_key;
        } catch (error) {
          // Unreachable, or answering with an error: nothing was checked.
          const code = error instanceof CoordinatorApiError ? ` [${error.code}]` : "";
          fail(`${errorMessage(error)}${code}`, EXIT_CANNOT);
        }
        keyId = keyIdOrFail(publicKey, `the receipt key ${url} publishes`, EXIT_CANNOT);
      }
      let check: ReceiptCheck;
      try {
        check = checkReceipts(document, { keyId, verify: (signed) => verifyReceipt(signed, publicKey) });
      } catch (error) {
        if (error instanceof NotAReceiptError && error.damaged)
          fail(`${file} is INVALID: ${error.message}`, EXIT_FAILED);
        if (error instanceof NotAReceiptError) fail(`${file} is not a signed receipt: ${error.message}`, EXIT_CANNOT);
        throw error;
      }
      const json = {
        valid: check.valid,
        public_key_id: keyId,
        receipts: check.receipts.map((entry) => ({
          field: entry.field,
          valid: entry.valid,
          receipt: entry.signed.receipt,
          key_id: entry.signed.key_id,
        })),
        problems: check.problems,
      };
      printResult(options.json === true, json, () => checkText(check));
      if (!check.valid) process.exitCode = EXIT_FAILED;
    });
}
