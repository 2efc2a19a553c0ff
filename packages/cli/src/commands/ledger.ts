// `pithead ledger …`: check and inspect an evidence ledger. verify (a store, an export file or an
// HTTP export route), show, append, proof, checkpoint, export and partitions.
//
// Where the ledger is, from the <path> argument:
//   postgres://… or postgresql://…   a PostgreSQL store
//   http://… or https://…            a server's export route (verify only)
//   a directory                      a JSONL store (or one partition's `<name>.ledger` directory)
//   *.db, *.sqlite, *.sqlite3        a SQLite store
//   any other file                   an export file or a JSONL store's records.jsonl (verify only)
// The checkpoint key (checkpoint signs with it; verify and export check with it) is --key-file, else
// the key the partition's service keeps beside the store (see ledger-keys.ts); PostgreSQL keeps none.
// Exit codes, so that a cron job tells tampering from an outage: 1 the ledger failed verification
// (tampering or damage found), 2 the command line is wrong, 3 the command could not run.

import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Checkpoint, Ledger, LedgerSigner, LedgerStoreOptions, StoredRecord, VerifyReport } from "@pithead/ledger";
import { Command } from "commander";
import { fleetSecret } from "../fleet-secret.ts";
import {
  checkingKey,
  DEFAULT_ORIGIN,
  keyLayout,
  keyThatSigned,
  originPrefix,
  type StoreLocation,
  signatoryOf,
  signingKey,
} from "../ledger-keys.ts";
import { errorMessage, fail, printResult } from "../output.ts";
import { describeBytes, progressBar, spinner } from "../progress.ts";
import { downloadExport } from "./ledger-download.ts";
import type { FileFacts } from "./ledger-file-facts.ts";

// Loaded when a ledger command runs, so `pithead` itself starts without the ledger's dependencies.
const ledgerModule = () => import("@pithead/ledger");

type Target =
  | { kind: "store"; options: LedgerStoreOptions; location: StoreLocation; label: string }
  | { kind: "file"; file: string }
  | { kind: "url"; url: string };

const SQLITE_EXTENSIONS = new Set([".db", ".sqlite", ".sqlite3"]);

/** The ledger failed verification: tampering or damage was found. */
export const EXIT_FAILED = 1;
/** The command line is wrong: an option or value, or a file or partition it names that is not there. */
export const EXIT_USAGE = 2;
/** The command could not run: no ledger there, a server unreachable or refusing, a locked store, a key it cannot use. */
export const EXIT_CANNOT = 3;

const EXIT_CODES_HELP = [
  "",
  "Exit codes: 0 done (verify: every partition verified); 1 verification failed (tampering or",
  "damage found); 2 the command line is wrong; 3 the command could not run (no ledger there, a",
  "server unreachable or refusing, a store locked by its writer, a key that cannot be read or used,",
  "a file that is not a ledger export). Errors go to stderr as one line, also with --json.",
  "",
].join("\n");

/** Which of the exit codes above a ledger library error means. */
function exitCodeOf(error: unknown): number {
  const name = error instanceof Error ? error.name : "";
  if (name === "LedgerValueError" || name === "LedgerPartitionError") return EXIT_USAGE;
  if (name === "LedgerCorruptError") return EXIT_FAILED;
  return EXIT_CANNOT;
}

/**
 * An action whose unexpected failure (a store unreadable mid-command: EACCES, a lost connection) is
 * one error line with the exit code it means, not a stack trace.
 */
function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return (...args) => action(...args).catch((error: unknown) => fail(errorMessage(error), exitCodeOf(error)));
}

/** A failure that stopped the command (see EXIT_CANNOT). */
function cannot(message: string): never {
  return fail(message, EXIT_CANNOT);
}

function wholeNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed))
      fail(`${name} must be a whole number, got '${value}'`, EXIT_USAGE);
    return parsed;
  };
}

function jsonlStore(dir: string): Target {
  return { kind: "store", options: { store: "jsonl", dir }, location: { store: "jsonl", dir }, label: dir };
}

/** What <path> names; `create` allows a store that does not exist yet (append, checkpoint). */
function resolveTarget(path: string, create = false): Target {
  if (/^postgres(ql)?:\/\//.test(path)) {
    return {
      kind: "store",
      options: { store: "postgres", url: path },
      location: { store: "postgres" },
      label: "PostgreSQL",
    };
  }
  if (/^https?:\/\//.test(path)) return { kind: "url", url: path };
  const exists = existsSync(path);
  if (exists && statSync(path).isDirectory()) {
    // One partition's directory: verify its files directly.
    if (path.replace(/\/+$/, "").endsWith(".ledger") && existsSync(join(path, "records.jsonl"))) {
      return { kind: "file", file: join(path, "records.jsonl") };
    }
    return jsonlStore(path);
  }
  if (SQLITE_EXTENSIONS.has(extname(path))) {
    if (!exists && !create) cannot(`no ledger at ${path}`);
    return { kind: "store", options: { store: "sqlite", path }, location: { store: "sqlite", path }, label: path };
  }
  if (exists) return { kind: "file", file: path };
  if (create) return jsonlStore(path);
  return cannot(`no ledger at ${path}`);
}

function storeTarget(path: string, command: string, create = false): Extract<Target, { kind: "store" }> {
  const target = resolveTarget(path, create);
  if (target.kind !== "store") {
    fail(
      `${command} needs a ledger store (a JSONL directory, a SQLite file or a postgres:// URL); ${path} is an export file or URL`,
      EXIT_USAGE,
    );
  }
  return target;
}

/**
 * Opens a store. A repair the library makes when a writer opens a JSONL partition (a torn last line
 * moved aside) is said on stderr, so a command that writes never repairs silently.
 */
async function open(
  target: Extract<Target, { kind: "store" }>,
  extra: { signer?: LedgerSigner; verifierKey?: string } = {},
) {
  const { openLedger } = await ledgerModule();
  try {
    return await openLedger({
      ...target.options,
      ...extra,
      onRecovery: (recovery) => process.stderr.write(`warning: ${recovery.message}\n`),
    });
  } catch (error) {
    return cannot(`cannot open ${target.label}: ${errorMessage(error)}`);
  }
}

/** `<file>.torn-<time>` files in a partition's folder: tails a writer moved aside (see open). */
function tornFilesIn(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => /\.torn-/.test(name))
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

function tornWarning(files: string[]): string[] {
  if (files.length === 0) return [];
  return [
    `${plural(files.length, "torn tail")} moved aside by a writer after a crash ${files.length === 1 ? "lies" : "lie"} beside the partition (never acknowledged, not part of the ledger): ${files.join(", ")}`,
  ];
}

/** The folder of a JSONL store's partition (`a/b` is `<dir>/a/b.ledger`). */
function partitionDir(dir: string, partition: string): string {
  return `${join(dir, ...partition.split("/"))}.ledger`;
}

/** The partition to read: the one named (it must exist), or the only one there is. */
async function pickPartition(ledger: Ledger, requested: string | undefined): Promise<string> {
  const all = await ledger.partitions();
  if (requested) {
    if (all.includes(requested)) return requested;
    const known = all.length === 0 ? "it has none yet" : `it has ${all.join(", ")}`;
    return fail(`no partition ${requested} in this ledger (${known})`, EXIT_USAGE);
  }
  if (all.length === 1) return all[0]!;
  if (all.length === 0) return fail("this ledger has no partitions yet; name one with --partition", EXIT_USAGE);
  return fail(`this ledger has ${all.length} partitions (${all.join(", ")}); pick one with --partition`, EXIT_USAGE);
}

/**
 * The verifier key that checks a partition's checkpoints: --key, the public half of --key-file (under
 * the key name the checkpoints use), else the key its service keeps beside the store; with the file
 * it came from, for the report.
 */
async function checkingKeyOf(
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

async function checkVerifierKey(key: string | undefined): Promise<void> {
  if (!key) return;
  const { parseVerifierKey } = await ledgerModule();
  try {
    parseVerifierKey(key);
  } catch (error) {
    fail(`--key: ${errorMessage(error)}`, EXIT_USAGE);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** A partition's report, with the key file its checkpoints were checked with (when one was). */
type PartitionReport = VerifyReport & { keyFile?: string };

function reportText(report: PartitionReport): string {
  const head = `${report.partition}: ${plural(report.records, "record")}, ${plural(report.checkpoints, "checkpoint")}, ${describeBytes(report.bytes)}`;
  const lines = [report.ok ? `✔ ${head} verified` : `✖ ${head}: FAILED`];
  if (report.firstBad) lines.push(`  first bad record: ${report.firstBad.seq}: ${report.firstBad.reason}`);
  for (const problem of report.problems.slice(1, 10)) lines.push(`  also record ${problem.seq}: ${problem.reason}`);
  if (report.problems.length > 10) lines.push(`  … ${report.problems.length - 10} more problems (see --json)`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
  if (report.keyFile && report.checkpoints > 0) lines.push(`  checkpoint signatures checked with ${report.keyFile}`);
  return lines.join("\n");
}

function withProgress(label: string) {
  let bar: ReturnType<typeof progressBar> | undefined;
  return {
    onProgress(done: number, total: number) {
      bar ??= progressBar(label, total);
      bar.tick(done, describeBytes(done));
    },
    finish() {
      bar?.finish();
    },
  };
}

interface VerifyOptions {
  partition?: string;
  key?: string;
  keyFile?: string;
  checkpoint: string[];
  header: string[];
  operator?: string;
  secret?: string;
  secretFile?: string;
  json: boolean;
}

/** A --checkpoint file and the signed note it holds. */
interface TrustedNote {
  file: string;
  note: string;
}

/** The notes of the --checkpoint files, each read as it was saved (see checkpoint-file.ts). */
async function trustedNotes(files: string[]): Promise<TrustedNote[]> {
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
async function refuseForeign(trusted: TrustedNote[], origin: string | undefined, partition: string): Promise<void> {
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

/**
 * --key-file for an export file or URL: its public half, under the key name the file's checkpoints
 * are signed with (the key id depends on it). Never the key the file names itself.
 */
async function keyFileVerifierKey(keyFile: string, facts: FileFacts): Promise<string> {
  const lib = await ledgerModule();
  const { keyNameOf } = await import("./ledger-file-facts.ts");
  try {
    return lib.loadOrCreateSigner(keyFile, DEFAULT_ORIGIN, keyNameOf(facts) ?? DEFAULT_ORIGIN).verifierKey;
  } catch (error) {
    return cannot(`--key-file ${keyFile}: ${errorMessage(error)}`);
  }
}

/** Verifies each partition of a store (or the one named). */
async function verifyStore(
  target: Extract<Target, { kind: "store" }>,
  options: VerifyOptions,
  trusted: TrustedNote[],
): Promise<PartitionReport[]> {
  const reports: PartitionReport[] = [];
  const ledger = await open(target);
  // A partition named by mistake must not "verify" as an empty one.
  const partitions = options.partition ? [await pickPartition(ledger, options.partition)] : await ledger.partitions();
  if (partitions.length === 0) cannot(`${target.label} has no partitions`);
  for (const partition of partitions) {
    const latest = await ledger.latestCheckpoint(partition);
    await refuseForeign(trusted, latest?.origin, partition);
    const { verifierKey, file } = await checkingKeyOf(target, ledger, partition, options);
    const checked = await open(target, verifierKey ? { verifierKey } : {});
    const progress = withProgress(`verifying ${partition}`);
    try {
      const report = await checked.verify(partition, {
        onProgress: progress.onProgress,
        trustedCheckpoints: trusted.map((t) => t.note),
      });
      const { dir } = target.options as { dir?: string };
      const torn = dir === undefined ? [] : tornWarning(tornFilesIn(partitionDir(dir, partition)));
      reports.push({ ...report, warnings: [...report.warnings, ...torn], ...(file ? { keyFile: file } : {}) });
    } catch (error) {
      fail(`${partition}: ${errorMessage(error)}`, exitCodeOf(error));
    } finally {
      progress.finish();
      await checked.close();
    }
  }
  await ledger.close();
  return reports;
}

/** Verifies an export file (or a JSONL partition's records.jsonl), or the export a server sends. */
async function verifyFile(
  path: string,
  target: Exclude<Target, { kind: "store" }>,
  options: VerifyOptions,
  trusted: TrustedNote[],
): Promise<PartitionReport> {
  const lib = await ledgerModule();
  const { fileFacts, originOf } = await import("./ledger-file-facts.ts");
  let file: string;
  let cleanup = () => {};
  if (target.kind === "url") {
    const fleet = options.operator
      ? { operatorId: options.operator, secret: fleetSecret(options, true) as string }
      : undefined;
    ({ file, cleanup } = await downloadExport(target.url, {
      partition: options.partition,
      headers: options.header,
      fleet,
    }));
    // An error below exits at once (process.exit skips finally): the download goes with it.
    process.once("exit", cleanup);
  } else file = target.file;
  try {
    const facts = await fileFacts(file);
    const partition = facts.header?.partition;
    // An export holds one partition: another one asked for is not there (not silently ignored).
    if (options.partition && partition !== undefined && partition !== options.partition)
      fail(`${path} holds partition ${partition}, not ${options.partition}`, EXIT_USAGE);
    if (partition !== undefined) await refuseForeign(trusted, originOf(facts), partition);
    const verifierKey = options.key ?? (options.keyFile ? await keyFileVerifierKey(options.keyFile, facts) : undefined);
    const progress = withProgress(`verifying ${basename(file)}`);
    try {
      const report = await lib.verifyExport(file, {
        ...(verifierKey ? { verifierKey } : {}),
        trustedCheckpoints: trusted.map((t) => t.note),
        onProgress: progress.onProgress,
      });
      const torn = target.kind === "file" && basename(file) === "records.jsonl" ? tornFilesIn(dirname(file)) : [];
      return {
        ...report,
        warnings: [...report.warnings, ...tornWarning(torn)],
        ...(options.keyFile && !options.key ? { keyFile: options.keyFile } : {}),
      };
    } catch (error) {
      // A file that is not a ledger export (LedgerFormatError) says so itself, naming the file.
      const message = errorMessage(error);
      return cannot(message.includes(file) ? message : `${path}: ${message}`);
    } finally {
      progress.finish();
    }
  } finally {
    cleanup();
  }
}

function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "Check a ledger end to end: every record hash, prev link and seq, every citation, every signed checkpoint (signature, root, consistency). Names the first bad record, and the records no signed checkpoint covers: with a key (given, or the service's key beside the store) a ledger not one record of which such a checkpoint covers fails.",
    )
    .argument(
      "<path|url>",
      "a JSONL store directory, a SQLite file, an export file, a postgres:// URL or a server's http(s) URL",
    )
    .option("--partition <name>", "only this partition (default: every partition of a store)")
    .option(
      "--key <verifier key>",
      "check checkpoint signatures with this signed-note verifier key (<name>+<id>+<key>)",
    )
    .option(
      "--key-file <file>",
      "or with the public half of this private key file, for a store, an export or a URL alike (default: the key the partition's service keeps beside the store; for an export or URL, the key named inside it, with a warning)",
    )
    .option(
      "--checkpoint <file>",
      "a checkpoint saved earlier that the ledger must still match: the output of `pithead ledger checkpoint` (text or --json) or of a checkpoint route (repeatable)",
      collectOption,
      [],
    )
    .option(
      "--header <name: value>",
      "an HTTP header for a URL, e.g. 'Authorization: Bearer …' (repeatable)",
      collectOption,
      [],
    )
    .option("--operator <id>", "a fleet controller's URL: sign the request as this operator")
    .option("--secret-file <file>", "with --operator: file holding the operator's HMAC secret (or FLEET_SECRET)")
    .option("--secret <secret>", "with --operator: the HMAC secret itself (visible in ps; prefer --secret-file)")
    .option("--json", "print the reports as JSON")
    .addHelpText(
      "after",
      `\nExamples:\n  pithead ledger verify ./data/fleet-ledger\n  pithead ledger verify ./data/ledger --checkpoint cp-2025-06-01.txt\n  pithead ledger verify ops.export.jsonl --key 'pithead.local+1a2b3c4d+AX…'\n  pithead ledger verify ops.export.jsonl --key-file data/ledger.key\n  pithead ledger verify http://127.0.0.1:8080 --header 'Authorization: Bearer <admin key>'\n  pithead ledger verify http://127.0.0.1:3001 --operator default --secret-file data/fleet-operator.secret\n${EXIT_CODES_HELP}`,
    )
    .action(
      guarded(async (path: string, options: VerifyOptions) => {
        const target = resolveTarget(path);
        const trusted = await trustedNotes(options.checkpoint);
        await checkVerifierKey(options.key);
        if (options.keyFile && !existsSync(options.keyFile))
          fail(`--key-file ${options.keyFile} does not exist`, EXIT_USAGE);
        const reports =
          target.kind === "store"
            ? await verifyStore(target, options, trusted)
            : [await verifyFile(path, target, options, trusted)];
        const ok = reports.every((r) => r.ok);
        printResult(options.json, { ok, reports }, () => reports.map(reportText).join("\n"));
        if (!ok) process.exitCode = EXIT_FAILED;
      }),
    );
}

function collectOption(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function recordLine(record: StoredRecord): string {
  const body = JSON.stringify(record.body);
  const width = Math.max((process.stdout.columns ?? 160) - 60, 40);
  return `#${record.seq}  ${record.at}  ${record.type}  ${body.length > width ? `${body.slice(0, width - 1)}…` : body}`;
}

function showCommand(): Command {
  return new Command("show")
    .description(
      "Print records of a partition, oldest first (newest first with --reverse). A read that reaches damage prints the records before it, then the error (exit 1)",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option("--type <type>", "only records of this type, e.g. fleet.decision")
    .option("--from <seq>", "start at this seq (with --reverse: the newest seq to show)", wholeNumber("--from"))
    .option("--limit <n>", "at most this many records", wholeNumber("--limit"), 50)
    .option("--reverse", "newest first")
    .option("--json", "print the records as a JSON array")
    .action(
      guarded(
        async (
          path: string,
          options: {
            partition?: string;
            type?: string;
            from?: number;
            limit: number;
            reverse?: boolean;
            json?: boolean;
          },
        ) => {
          const ledger = await open(storeTarget(path, "show"));
          const partition = await pickPartition(ledger, options.partition);
          const records: StoredRecord[] = [];
          let failure: unknown;
          try {
            const range = options.reverse
              ? options.from !== undefined
                ? { toSeq: options.from }
                : {}
              : { fromSeq: options.from ?? 0 };
            for await (const record of ledger.read(partition, {
              ...range,
              ...(options.type ? { type: options.type } : {}),
              limit: options.limit,
              reverse: options.reverse === true,
            })) {
              records.push(record);
            }
          } catch (error) {
            // What was read before the damage is still shown; the error follows it.
            failure = error;
          } finally {
            await ledger.close();
          }
          if (failure === undefined || records.length > 0) {
            printResult(options.json === true, records, () =>
              records.length === 0 ? `no records in ${partition} match` : records.map(recordLine).join("\n"),
            );
          }
          if (failure !== undefined) fail(errorMessage(failure), exitCodeOf(failure));
        },
      ),
    );
}

/**
 * The services whose own records the CLI does not write by hand: a coordinator.wallet.funded record
 * in the coordinator's partition stands for money in its books, and one the coordinator did not
 * write leaves its books and its ledger disagreeing (the coordinator's ledger, inside its database,
 * is not guarded by a writer lock the CLI could see). Their partitions are named after them
 * (coordinator, fleet/<operator>).
 */
export const SERVICE_NAMESPACES = ["coordinator", "fleet", "agent", "miner"] as const;

/** The service whose own record `type` would be in `partition`, if it is one. */
export function serviceRecordOf(partition: string, type: string): string | undefined {
  const service = type.split(".")[0] ?? "";
  const owner = partition.split("/")[0];
  return (SERVICE_NAMESPACES as readonly string[]).includes(service) && owner === service ? service : undefined;
}

function appendCommand(): Command {
  return new Command("append")
    .description(
      "Append one record, e.g. an operator's note (ops.note). A service's own record types in its partition (coordinator.* in coordinator, fleet.* in fleet/…) are refused without --service-type. A partition whose writer lock a running process holds is refused (the fleet controller's JSONL ledger; writers of the ledger library's SQLite and PostgreSQL stores); the coordinator holds none, so stop it before --service-type.",
    )
    .argument("<path>", "a JSONL store directory (created if missing), a SQLite file or a postgres:// URL")
    .requiredOption("--partition <name>", "the partition, e.g. ops or fleet/op-1")
    .requiredOption("--type <type>", "the record type, namespaced like part.name (e.g. ops.note)")
    .requiredOption("--body <json>", "the record body as JSON")
    .option(
      "--service-type",
      "allow a service's own record type in its partition: the service is stopped and you mean to write its record by hand",
    )
    .option("--json", "print the stored record as JSON")
    .action(
      guarded(
        async (
          path: string,
          options: { partition: string; type: string; body: string; serviceType?: boolean; json?: boolean },
        ) => {
          const service = serviceRecordOf(options.partition, options.type);
          if (service && !options.serviceType) {
            fail(
              `--type ${options.type} in partition ${options.partition} is the ${service}'s own record: the ${service} writes those, and one it did not write leaves its books and its ledger disagreeing. Use a type of your own (e.g. ops.note), or add --service-type if the ${service} is stopped and you mean it`,
              EXIT_USAGE,
            );
          }
          let body: unknown;
          try {
            body = JSON.parse(options.body);
          } catch (error) {
            fail(`--body is not valid JSON: ${errorMessage(error)}`, EXIT_USAGE);
          }
          const ledger = await open(storeTarget(path, "append", true));
          try {
            const record = await ledger.append(options.partition, options.type, body as never);
            printResult(
              options.json === true,
              record,
              () => `appended ${options.partition} #${record.seq} ${record.hash}`,
            );
          } catch (error) {
            fail(errorMessage(error), exitCodeOf(error));
          } finally {
            await ledger.close();
          }
        },
      ),
    );
}

function proofCommand(): Command {
  return new Command("proof")
    .description(
      "Print a record's hash and its RFC 9162 inclusion proof (against the latest checkpoint that covers it)",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .argument("<seq>", "the record", wholeNumber("<seq>"))
    .option("--partition <name>", "the partition (default: the only one)")
    .option("--size <n>", "prove against the tree of this many records instead", wholeNumber("--size"))
    .option("--json", "print the proof as JSON")
    .action(
      guarded(async (path: string, seq: number, options: { partition?: string; size?: number; json?: boolean }) => {
        const ledger = await open(storeTarget(path, "proof"));
        try {
          const partition = await pickPartition(ledger, options.partition);
          const latest = await ledger.latestCheckpoint(partition);
          const readable = await ledger.size(partition);
          // A checkpoint larger than the records that can be read: records it signed are gone or unreadable.
          if (latest && latest.size > readable && (options.size === undefined || options.size > readable)) {
            fail(
              `partition ${partition} is damaged: its latest checkpoint covers ${plural(latest.size, "record")}, but only the first ${readable} can be read; run \`pithead ledger verify\` to see what is wrong`,
              EXIT_FAILED,
            );
          }
          const size = options.size ?? (latest && latest.size > seq ? latest.size : undefined);
          const proof = await ledger.inclusionProof(partition, seq, size);
          const checkpoint: Checkpoint | undefined = latest?.size === proof.treeSize ? latest : undefined;
          const { verifyInclusion } = await ledgerModule();
          const result = {
            partition,
            ...proof,
            verified: verifyInclusion(proof),
            ...(checkpoint ? { checkpoint: checkpoint.note } : {}),
          };
          printResult(options.json === true, result, () =>
            [
              `record ${partition} #${seq}`,
              `  record hash ${proof.recordHash}`,
              `  leaf hash   ${proof.leafHash}`,
              `  tree size   ${proof.treeSize}${checkpoint ? " (the latest checkpoint)" : " (not yet checkpointed)"}`,
              `  root hash   ${proof.rootHash}`,
              "  path (leaf side first):",
              ...proof.path.map((hash, i) => `    ${i}: ${hash}`),
              `  ${result.verified ? "✔ the path leads to the root" : "✖ the path does not lead to the root"}`,
            ].join("\n"),
          );
        } catch (error) {
          fail(errorMessage(error), exitCodeOf(error));
        } finally {
          await ledger.close();
        }
      }),
    );
}

function checkpointCommand(): Command {
  return new Command("checkpoint")
    .description(
      "Sign a checkpoint of a partition's current tree (C2SP tlog-checkpoint) with the key that signed its checkpoints so far, and print it with the verifier key",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "the Ed25519 signing key; it must be the key of the partition's checkpoints so far (default: the key the partition's service keeps beside the store; for a partition without checkpoints, ledger.key beside the store, made mode 600 if missing)",
    )
    .option(
      "--origin <origin>",
      "log origin prefix, for a partition without checkpoints yet (default: pithead-fleet for fleet/…, else pithead.local)",
    )
    .option("--json", "print {partition, note, verifierKey, keyFile, size, rootHash, …} as JSON")
    .addHelpText(
      "after",
      [
        "",
        "Output: the signed note (origin, size, root hash, a blank line, the signature), then a line",
        "'verifier key: <name>+<id>+<key>'. Keep it to check the ledger against later:",
        "  pithead ledger checkpoint ./data/ledger > cp.txt        # the verifier key line is ignored when read back",
        "  pithead ledger checkpoint ./data/ledger --json > cp.json",
        "  pithead ledger verify ./data/ledger --checkpoint cp.txt",
        "Where the key is: the fleet controller's beside its store (<DATA_DIR>/fleet-ledger.key), the",
        "coordinator's beside its database (<data>/ledger.key). A partition with checkpoints is never",
        "signed with another key, and no key is made for it.",
        "",
      ].join("\n"),
    )
    .action(
      guarded(
        async (path: string, options: { partition?: string; keyFile?: string; origin?: string; json?: boolean }) => {
          const target = storeTarget(path, "checkpoint");
          if (target.location.store === "postgres" && !options.keyFile) {
            fail(
              "a PostgreSQL ledger keeps no key file: pass the key that signs its checkpoints with --key-file (pithead up keeps them in <data>/coordinator/ledger.key and <data>/fleet/fleet-ledger.key)",
              EXIT_USAGE,
            );
          }
          const probe = await open(target);
          const partition = await pickPartition(probe, options.partition);
          const latest = await probe.latestCheckpoint(partition);
          await probe.close();
          const lib = await ledgerModule();
          let chosen: ReturnType<typeof signingKey>;
          try {
            chosen = signingKey(lib, {
              location: target.location,
              partition,
              keyFile: options.keyFile,
              origin: options.origin,
              latest,
            });
          } catch (error) {
            return cannot(errorMessage(error));
          }
          const { signer, file } = chosen;
          if (chosen.created) process.stderr.write(`made a new signing key ${file} (mode 600) for ${partition}\n`);
          const ledger = await open(target, { signer });
          try {
            const checkpoint = await ledger.checkpoint(partition);
            const result = { partition, ...checkpoint, verifierKey: signer.verifierKey, keyFile: file };
            printResult(options.json === true, result, () => `${checkpoint.note}\nverifier key: ${signer.verifierKey}`);
          } catch (error) {
            fail(errorMessage(error), exitCodeOf(error));
          } finally {
            await ledger.close();
          }
        },
      ),
    );
}

function exportCommand(): Command {
  return new Command("export")
    .description("Write a partition to one self-contained file that `pithead ledger verify` checks offline")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .argument("<file>", "the export file to write")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "name the verifier key of this signing key in the export (default: the key beside the store that signed the partition's checkpoints)",
    )
    .option("--json", "print {file, records, checkpoints, bytes} as JSON")
    .action(
      guarded(async (path: string, file: string, options: { partition?: string; keyFile?: string; json?: boolean }) => {
        // Said up front, about the file asked for (not the temporary file it is written through).
        if (!existsSync(dirname(resolve(file))))
          fail(`cannot write ${file}: the folder ${dirname(resolve(file))} does not exist`, EXIT_USAGE);
        const target = storeTarget(path, "export");
        if (options.keyFile && !existsSync(options.keyFile))
          fail(`--key-file ${options.keyFile} does not exist`, EXIT_USAGE);
        const probe = await open(target);
        const partition = await pickPartition(probe, options.partition);
        const latest = await probe.latestCheckpoint(partition);
        await probe.close();
        const lib = await ledgerModule();
        // Only a key that signed the partition's checkpoints is named in the export.
        let signer: LedgerSigner | undefined;
        if (latest) {
          const keyName = signatoryOf(lib, latest.note)?.keyName ?? DEFAULT_ORIGIN;
          const files = options.keyFile ? [options.keyFile] : keyLayout(target.location, partition).candidates;
          const origin = originPrefix(latest, partition) ?? DEFAULT_ORIGIN;
          signer = keyThatSigned(lib, files, latest, origin, keyName).match?.signer;
          if (!signer && options.keyFile)
            cannot(`--key-file ${options.keyFile} is not the key that signed the checkpoints of ${partition}`);
        }
        const ledger = await open(target, signer ? { signer } : {});
        const progress = spinner(`exporting ${partition}`);
        try {
          const written = await lib.exportPartition(ledger, partition, file);
          progress.succeed(
            `exported ${plural(written.records, "record")} and ${plural(written.checkpoints, "checkpoint")} to ${file}`,
          );
          if (options.json) printResult(true, { file, ...written }, () => "");
        } catch (error) {
          progress.fail(`export of ${partition} failed`);
          fail(errorMessage(error), exitCodeOf(error));
        } finally {
          await ledger.close();
        }
      }),
    );
}

function partitionsCommand(): Command {
  return new Command("partitions")
    .description("List the partitions of a ledger with their sizes and latest checkpoints")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--json", "print as JSON")
    .action(
      guarded(async (path: string, options: { json?: boolean }) => {
        const ledger = await open(storeTarget(path, "partitions"));
        const rows: { partition: string; size: number; checkpointSize: number | null }[] = [];
        for (const partition of await ledger.partitions()) {
          const latest = await ledger.latestCheckpoint(partition);
          rows.push({ partition, size: await ledger.size(partition), checkpointSize: latest?.size ?? null });
        }
        await ledger.close();
        printResult(options.json === true, rows, () =>
          rows.length === 0
            ? "no partitions"
            : rows
                .map(
                  (r) =>
                    `${r.partition}  ${r.size} records  ${r.checkpointSize === null ? "no checkpoint" : `checkpoint at ${r.checkpointSize}`}`,
                )
                .join("\n"),
        );
      }),
    );
}

export function registerLedgerCommands(program: Command): void {
  program.addCommand(
    new Command("ledger")
      .description("The tamper-evident evidence ledger: verify, show, append, proof, checkpoint, export, partitions")
      .addHelpText("after", EXIT_CODES_HELP)
      .addCommand(verifyCommand())
      .addCommand(showCommand())
      .addCommand(appendCommand())
      .addCommand(proofCommand())
      .addCommand(checkpointCommand())
      .addCommand(exportCommand())
      .addCommand(partitionsCommand()),
  );
}
