// `pithead receipt verify`: checks a signed receipt against the coordinator's published key
// (fetched from --url) or a key given with --public-key; never against a key inside the receipt.
import { readFileSync } from "node:fs";
import { CoordinatorClient, type SignedReceipt, verifyReceipt } from "@pithead/coordinator";
import type { Command } from "commander";
import { coordinatorUrlOf } from "../coordinator-url.ts";
import { fail, printResult } from "../output.ts";
import { failApi } from "./keys.ts";

function readReceipt(file: string): SignedReceipt {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file === "-" ? 0 : file, "utf8"));
  } catch (error) {
    fail(`cannot read a receipt from ${file}: ${(error as Error).message}`);
  }
  // Accept a receipt, or a job result that carries one.
  const candidate = (parsed as { receipt?: { receipt?: unknown } }).receipt?.receipt
    ? (parsed as { receipt: unknown }).receipt
    : parsed;
  const signed = candidate as Partial<SignedReceipt>;
  if (!signed.receipt || typeof signed.signature !== "string" || typeof signed.key_id !== "string") {
    fail(`${file} is not a signed receipt (expected {receipt, signature, key_id, algorithm})`);
  }
  return signed as SignedReceipt;
}

function readKey(value: string): string {
  if (/^[A-Za-z0-9+/]{43}=$/.test(value)) return value;
  try {
    return readFileSync(value, "utf8");
  } catch {
    fail(`--public-key must be a base64 Ed25519 key or a PEM file: cannot read ${value}`);
  }
}

export function registerReceiptCommands(program: Command): void {
  const receipt = program.command("receipt").description("Signed job receipts");
  receipt
    .command("verify")
    .description("Verify a receipt (a file, or - for stdin) against the coordinator's published key")
    .argument("<file>", "receipt JSON, or a job result JSON that contains one")
    .option("--url <url>", "coordinator to fetch the public key from [PITHEAD_URL, COORD_URL]")
    .option("--public-key <key>", "base64 Ed25519 public key or a PEM file (instead of fetching it)")
    .option("--json", "print JSON")
    .action(async (file: string, options: { url?: string; publicKey?: string; json?: boolean }) => {
      const signed = readReceipt(file);
      let publicKey: string;
      if (options.publicKey) {
        publicKey = readKey(options.publicKey);
      } else {
        try {
          publicKey = (await new CoordinatorClient(coordinatorUrlOf(options.url)).receiptKey()).public_key;
        } catch (error) {
          failApi(error);
        }
      }
      const valid = verifyReceipt(signed, publicKey);
      const { receipt: r } = signed;
      printResult(options.json === true, { valid, receipt: r, key_id: signed.key_id }, () =>
        valid
          ? `valid: receipt ${r.receipt_id} — job ${r.job_id} paid ${r.reward} to ${r.wallet} (miner ${r.miner_id}), ledger record ${r.ledger_seq}`
          : `INVALID: receipt ${r.receipt_id} does not verify against key ${signed.key_id}`,
      );
      if (!valid) process.exitCode = 1;
    });
}
