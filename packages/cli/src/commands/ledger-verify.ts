// `pithead ledger verify`: checks a store (every partition, or the one named), an export file or the
// export a server's URL sends, end to end, and exits 1 when any partition fails.
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { Command } from "commander";
import { fleetSecret } from "../fleet-secret.ts";
import { EXIT_FAILED, EXIT_USAGE, errorMessage, fail, printResult } from "../output.ts";
import { describeBytes, progressBar } from "../progress.ts";
import { downloadExport } from "./ledger-download.ts";
import { cannot, EXIT_CODES_HELP, exitCodeOf, guarded } from "./ledger-exit.ts";
import { checkArchiveDirs, collectOption } from "./ledger-options.ts";
import {
  isPartitionDir,
  ledgerModule,
  locatePartitionDir,
  open,
  pickPartition,
  resolveTarget,
  type Target,
} from "./ledger-target.ts";
import { refuseForeign, type TrustedNote, trustedNotes } from "./ledger-trusted-checkpoints.ts";
import { checkingKeyOf, checkVerifierKey, keyFileVerifierKey } from "./ledger-verify-keys.ts";
import { type PartitionReport, partitionDir, reportText, tornFilesIn, tornWarning } from "./ledger-verify-report.ts";

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
  /** archive directories (repeatable: an archive whose directory changed between runs) */
  archive: string[];
  json: boolean;
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
        ...(options.archive.length > 0 ? { archive: options.archive } : {}),
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

/** Verifies an export file (or a JSONL partition's directory or records.jsonl), or the export a server sends. */
async function verifyFile(
  path: string,
  target: Exclude<Target, { kind: "store" }>,
  options: VerifyOptions,
  trusted: TrustedNote[],
): Promise<PartitionReport> {
  const lib = await ledgerModule();
  const { fileFacts, hasSealedSegments, originOf } = await import("./ledger-file-facts.ts");
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
  const isDir = target.kind === "file" && statSync(file).isDirectory();
  if (target.kind === "file" && !isDir && basename(file) === "records.jsonl" && hasSealedSegments(dirname(file))) {
    fail(
      `${path} holds only the newest records of its partition (the older ones are sealed in ${join(dirname(file), "sealed")}): pass the partition directory ${dirname(file)} instead`,
      EXIT_USAGE,
    );
  }
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
        ...(options.archive.length > 0 ? { archive: options.archive } : {}),
        trustedCheckpoints: trusted.map((t) => t.note),
        onProgress: progress.onProgress,
      });
      const torn = isDir
        ? tornFilesIn(file)
        : target.kind === "file" && basename(file) === "records.jsonl"
          ? tornFilesIn(dirname(file))
          : [];
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

/** Each --archive names an existing directory, and they apply to a store or a JSONL partition directory (not an export or URL). */
function checkArchiveFlag(archives: readonly string[], target: Target): void {
  checkArchiveDirs(archives);
  const stored =
    target.kind === "store" ||
    (target.kind === "file" && (statSync(target.file).isDirectory() || basename(target.file) === "records.jsonl"));
  if (!stored)
    fail(
      "--archive applies to a ledger store (JSONL, SQLite, PostgreSQL) or a JSONL partition directory only",
      EXIT_USAGE,
    );
}

/**
 * What <path> names; a JSONL partition's directory is verified as its store is (the store's key
 * beside it, the partition's full name), as if the store and --partition had been given.
 */
async function verifyTarget(path: string, options: VerifyOptions): Promise<Target> {
  if (!/^[a-z]+:\/\//.test(path) && isPartitionDir(path)) {
    const { root, partition } = await locatePartitionDir(path);
    if (options.partition !== undefined && options.partition !== partition)
      fail(`${path} is partition ${partition}'s directory, not ${options.partition}'s`, EXIT_USAGE);
    options.partition = partition;
    return resolveTarget(root);
  }
  return resolveTarget(path);
}

export function verifyCommand(): Command {
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
    .option(
      "--archive <dir>",
      "a partition with archived records (`pithead ledger archive`, the fleet's LEDGER_ARCHIVE_DIR, a coordinator's PITHEAD_LEDGER_ARCHIVE_DIR): the archive directory they were moved to, so they are checked too (without it they are reported as archived, not checked). Repeatable: an archive whose directory changed between runs (`ledger partitions` lists them) needs each; a segment found in none of them cannot be checked (exit 3)",
      collectOption,
      [],
    )
    .option("--json", "print the reports as JSON")
    .addHelpText(
      "after",
      "\nExamples (paths as `pithead coordinator start` and `pithead fleet start` make them in ./data; `pithead up` keeps them in ./data/coordinator and ./data/fleet):" +
        "\n  pithead ledger verify ./data/fleet-ledger" +
        "\n  pithead ledger verify ./data/fleet-ledger/fleet/default.ledger --archive /mnt/nas/pithead" +
        "\n  pithead ledger verify ./data/coordinator.db --checkpoint cp-2025-06-01.txt" +
        "\n  pithead ledger verify ./data/fleet/fleet-ledger                   # after pithead up" +
        "\n  pithead ledger verify ./data/coordinator/coordinator.db           # after pithead up" +
        "\n  pithead ledger verify ops.export.jsonl --key 'pithead.local+1a2b3c4d+AX…'" +
        "\n  pithead ledger verify ops.export.jsonl --key-file ./data/ledger.key" +
        "\n  pithead ledger verify postgres://pithead@localhost/pithead --key-file ./data/coordinator/ledger.key" +
        "\n  pithead ledger verify http://127.0.0.1:8080 --header 'Authorization: Bearer <admin key>'" +
        "\n  pithead ledger verify http://127.0.0.1:3001 --operator default --secret-file ./data/fleet-operator-default.secret" +
        `\n${EXIT_CODES_HELP}`,
    )
    .action(
      guarded(async (path: string, options: VerifyOptions) => {
        const target = await verifyTarget(path, options);
        const trusted = await trustedNotes(options.checkpoint);
        await checkVerifierKey(options.key);
        if (options.keyFile && !existsSync(options.keyFile))
          fail(`--key-file ${options.keyFile} does not exist`, EXIT_USAGE);
        if (options.archive.length > 0) checkArchiveFlag(options.archive, target);
        const reports =
          target.kind === "store"
            ? await verifyStore(target, options, trusted)
            : [await verifyFile(path, target, options, trusted)];
        const ok = reports.every((r) => r.ok);
        printResult(options.json, { ok, reports }, () => reports.map(reportText).join("\n"));
        if (!ok) process.exitCode = EXIT_FAILED;
        else {
          // Archived segments none of the given directories holds were not checked: not damage, and no pass.
          const unavailable = reports.flatMap((r) => r.archived?.unavailable ?? []);
          if (unavailable.length > 0) cannot(`cannot check: ${unavailable.join("; ")}`);
        }
      }),
    );
}
