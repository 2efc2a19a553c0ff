// The keys `pithead ledger verify` checks checkpoint signatures with: --key, the public half of
// --key-file, else the key a partition's service keeps beside the store. Never a key an export
// names itself.
import type { Ledger } from "@pithead/ledger";
import { checkingKey, DEFAULT_ORIGIN, signatoryOf } from "../ledger-keys.ts";
import { EXIT_USAGE, errorMessage, fail } from "../output.ts";
import { cannot } from "./ledger-exit.ts";
import type { FileFacts } from "./ledger-file-facts.ts";
import { ledgerModule, type Target } from "./ledger-target.ts";

/**
 * The verifier key that checks a partition's checkpoints: --key, the public half of --key-file (under
 * the key name the checkpoints use), else the key its service keeps beside the store; with the file
 * it came from, for the report.
 */
export async function checkingKeyOf(
  target: Extract<Target, { kind: "store" }>,
  ledger: Ledger,
  partition: string,
  options: { key?: string; keyFile?: string },
): Promise<{ verifierKey?: string; file?: string }> {
  if (options.key) return { verifierKey: options.key };
  const lib = await ledgerModule();
  const latest = await ledger.latestCheckpoint(partition);
  try {
    if (options.keyFile) {
      const keyName = (latest && signatoryOf(lib, latest.note)?.keyName) ?? DEFAULT_ORIGIN;
      return {
        verifierKey: lib.loadOrCreateSigner(options.keyFile, DEFAULT_ORIGIN, keyName).verifierKey,
        file: options.keyFile,
      };
    }
    const found = checkingKey(lib, target.location, partition, latest);
    return found ? { verifierKey: found.signer.verifierKey, file: found.file } : {};
  } catch (error) {
    if (options.keyFile) return cannot(`--key-file: ${errorMessage(error)}`);
    // A reader who may read the store but not its service's private key (EACCES) checks with the
    // public verifier key instead; the checkpoints carry no public key to fall back to.
    return cannot(
      `cannot use the key kept beside the store to check ${partition}'s checkpoints: ${errorMessage(error)}. Pass its verifier key with --key <name>+<id>+<key> (the service's checkpoint route and \`pithead ledger checkpoint --json\` show it as verifierKey)`,
    );
  }
}

export async function checkVerifierKey(key: string | undefined): Promise<void> {
  if (!key) return;
  const { parseVerifierKey } = await ledgerModule();
  try {
    parseVerifierKey(key);
  } catch (error) {
    fail(`--key: ${errorMessage(error)}`, EXIT_USAGE);
  }
}

/**
 * --key-file for an export file or URL: its public half, under the key name the file's checkpoints
 * are signed with (the key id depends on it). Never the key the file names itself.
 */
export async function keyFileVerifierKey(keyFile: string, facts: FileFacts): Promise<string> {
  const lib = await ledgerModule();
  const { keyNameOf } = await import("./ledger-file-facts.ts");
  try {
    return lib.loadOrCreateSigner(keyFile, DEFAULT_ORIGIN, keyNameOf(facts) ?? DEFAULT_ORIGIN).verifierKey;
  } catch (error) {
    return cannot(`--key-file ${keyFile}: ${errorMessage(error)}`);
  }
}
