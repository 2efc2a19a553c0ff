// `pithead ledger …`: check and inspect an evidence ledger. verify (a store, an export file or an
// HTTP export route), show, append, proof, checkpoint, export and partitions.
//
// Where the ledger is, from the <path> argument:
//   postgres://… or postgresql://…   a PostgreSQL store
//   http://… or https://…            a server's export route (verify only)
//   a directory                      a JSONL store (or one partition's `<name>.ledger` directory)
//   *.db, *.sqlite, *.sqlite3        a SQLite store
//   any other file                   an export file or a JSONL store's records.jsonl (verify only)
// The signing key (checkpoint) is --key-file, by default ledger.key beside the store: <dir>/ledger.key
// for a JSONL store, the database's directory for SQLite; PostgreSQL needs --key-file.

import { existsSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import type { Checkpoint, Ledger, LedgerSigner, LedgerStoreOptions, StoredRecord, VerifyReport } from "@pithead/ledger";
import { Command } from "commander";
import { fleetSecret } from "../fleet-secret.ts";
import { errorMessage, fail, printResult } from "../output.ts";
import { describeBytes, progressBar, spinner } from "../progress.ts";
import { downloadExport } from "./ledger-download.ts";

// Loaded when a ledger command runs, so `pithead` itself starts without the ledger's dependencies.
const ledgerModule = () => import("@pithead/ledger");

type Target =
  | { kind: "store"; options: LedgerStoreOptions; keyDir: string | undefined; label: string }
  | { kind: "file"; file: string }
  | { kind: "url"; url: string };

const SQLITE_EXTENSIONS = new Set([".db", ".sqlite", ".sqlite3"]);

function wholeNumber(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed))
      fail(`${name} must be a whole number, got '${value}'`, 2);
    return parsed;
  };
}

/** What <path> names; `create` allows a store that does not exist yet (append, checkpoint). */
function resolveTarget(path: string, create = false): Target {
  if (/^postgres(ql)?:\/\//.test(path)) {
    return { kind: "store", options: { store: "postgres", url: path }, keyDir: undefined, label: "PostgreSQL" };
  }
  if (/^https?:\/\//.test(path)) return { kind: "url", url: path };
  const exists = existsSync(path);
  if (exists && statSync(path).isDirectory()) {
    // One partition's directory: verify its files directly.
    if (path.replace(/\/+$/, "").endsWith(".ledger") && existsSync(join(path, "records.jsonl"))) {
      return { kind: "file", file: join(path, "records.jsonl") };
    }
    return { kind: "store", options: { store: "jsonl", dir: path }, keyDir: path, label: path };
  }
  if (SQLITE_EXTENSIONS.has(extname(path))) {
    if (!exists && !create) fail(`no ledger at ${path}`);
    return { kind: "store", options: { store: "sqlite", path }, keyDir: dirname(path), label: path };
  }
  if (exists) return { kind: "file", file: path };
  if (create) return { kind: "store", options: { store: "jsonl", dir: path }, keyDir: path, label: path };
  return fail(`no ledger at ${path}`);
}

function storeTarget(path: string, command: string, create = false): Extract<Target, { kind: "store" }> {
  const target = resolveTarget(path, create);
  if (target.kind !== "store") {
    fail(
      `${command} needs a ledger store (a JSONL directory, a SQLite file or a postgres:// URL); ${path} is an export file or URL`,
      2,
    );
  }
  return target;
}

function defaultKeyFile(target: Extract<Target, { kind: "store" }>, keyFile: string | undefined): string | undefined {
  return keyFile ?? (target.keyDir ? join(target.keyDir, "ledger.key") : undefined);
}

async function open(
  target: Extract<Target, { kind: "store" }>,
  extra: { signer?: LedgerSigner; verifierKey?: string } = {},
) {
  const { openLedger } = await ledgerModule();
  try {
    return await openLedger({ ...target.options, ...extra });
  } catch (error) {
    return fail(`cannot open ${target.label}: ${errorMessage(error)}`);
  }
}

/** The partition to read: the one named (it must exist), or the only one there is. */
async function pickPartition(ledger: Ledger, requested: string | undefined): Promise<string> {
  const all = await ledger.partitions();
  if (requested) {
    if (all.includes(requested)) return requested;
    const known = all.length === 0 ? "it has none yet" : `it has ${all.join(", ")}`;
    return fail(`no partition ${requested} in this ledger (${known})`, 2);
  }
  if (all.length === 1) return all[0]!;
  if (all.length === 0) return fail("this ledger has no partitions yet; name one with --partition", 2);
  return fail(`this ledger has ${all.length} partitions (${all.join(", ")}); pick one with --partition`, 2);
}

/** Origin and key name the partition's checkpoints already use, so a CLI checkpoint continues them. */
async function existingIdentity(ledger: Ledger, partition: string): Promise<{ origin?: string; keyName?: string }> {
  const latest = await ledger.latestCheckpoint(partition);
  if (!latest) return {};
  const { parseCheckpoint } = await ledgerModule();
  const suffix = `/${partition}`;
  const origin = latest.origin.endsWith(suffix) ? latest.origin.slice(0, -suffix.length) : undefined;
  const keyName = parseCheckpoint(latest.note).signatures[0]?.keyName;
  return { ...(origin ? { origin } : {}), ...(keyName ? { keyName } : {}) };
}

/** A signing key file whose public half checks signatures: --key-file, or ledger.key beside the store if present. */
function existingKeyFile(keyFile: string | undefined, keyDir: string | undefined): string | undefined {
  if (keyFile && !existsSync(keyFile)) fail(`--key-file ${keyFile} does not exist`, 2);
  const candidate = keyFile ?? (keyDir ? join(keyDir, "ledger.key") : undefined);
  return candidate && existsSync(candidate) ? candidate : undefined;
}

async function checkVerifierKey(key: string | undefined): Promise<void> {
  if (!key) return;
  const { parseVerifierKey } = await ledgerModule();
  try {
    parseVerifierKey(key);
  } catch (error) {
    fail(`--key: ${errorMessage(error)}`, 2);
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function reportText(report: VerifyReport): string {
  const head = `${report.partition}: ${plural(report.records, "record")}, ${plural(report.checkpoints, "checkpoint")}, ${describeBytes(report.bytes)}`;
  const lines = [report.ok ? `✔ ${head} verified` : `✖ ${head}: FAILED`];
  if (report.firstBad) lines.push(`  first bad record: ${report.firstBad.seq}: ${report.firstBad.reason}`);
  for (const problem of report.problems.slice(1, 10)) lines.push(`  also record ${problem.seq}: ${problem.reason}`);
  if (report.problems.length > 10) lines.push(`  … ${report.problems.length - 10} more problems (see --json)`);
  for (const warning of report.warnings) lines.push(`  warning: ${warning}`);
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

async function trustedNotes(files: string[]): Promise<string[]> {
  const { readFileSync } = await import("node:fs");
  return files.map((file) => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      return fail(`--checkpoint ${file}: ${errorMessage(error)}`, 2);
    }
  });
}

function verifyCommand(): Command {
  return new Command("verify")
    .description(
      "Check a ledger end to end: every record hash, prev link and seq, every citation, every signed checkpoint (signature, root, consistency). Exits 1 naming the first bad record.",
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
      "or with the public half of this private key file (default: ledger.key beside the store)",
    )
    .option(
      "--checkpoint <file>",
      "a checkpoint note published earlier that the ledger must still match (repeatable)",
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
      "\nExamples:\n  pithead ledger verify ./data/ledger\n  pithead ledger verify ops.export.jsonl --key 'pithead.local+1a2b3c4d+AX…'\n  pithead ledger verify http://127.0.0.1:8080 --header 'Authorization: Bearer <admin key>'\n  pithead ledger verify http://127.0.0.1:3001 --operator default --secret-file data/fleet-operator.secret\n",
    )
    .action(async (path: string, options: VerifyOptions) => {
      const lib = await ledgerModule();
      const target = resolveTarget(path);
      const trustedCheckpoints = await trustedNotes(options.checkpoint);
      const reports: VerifyReport[] = [];
      await checkVerifierKey(options.key);
      if (target.kind === "store") {
        const keyFile = existingKeyFile(options.keyFile, target.keyDir);
        const ledger = await open(target);
        // A partition named by mistake must not "verify" as an empty one.
        const partitions = options.partition
          ? [await pickPartition(ledger, options.partition)]
          : await ledger.partitions();
        if (partitions.length === 0) fail(`${target.label} has no partitions`);
        for (const partition of partitions) {
          const identity = await existingIdentity(ledger, partition);
          // The key id covers the key name, which the partition's checkpoints tell.
          let verifierKey = options.key;
          try {
            verifierKey ??= keyFile
              ? lib.loadOrCreateSigner(keyFile, identity.origin ?? "pithead.local", identity.keyName).verifierKey
              : undefined;
          } catch (error) {
            fail(`--key-file: ${errorMessage(error)}`);
          }
          const checked = await open(target, verifierKey ? { verifierKey } : {});
          const progress = withProgress(`verifying ${partition}`);
          try {
            reports.push(await checked.verify(partition, { onProgress: progress.onProgress, trustedCheckpoints }));
          } catch (error) {
            fail(`${partition}: ${errorMessage(error)}`);
          } finally {
            progress.finish();
            await checked.close();
          }
        }
        await ledger.close();
      } else {
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
        } else file = target.file;
        const progress = withProgress(`verifying ${basename(file)}`);
        try {
          reports.push(
            await lib.verifyExport(file, {
              ...(options.key ? { verifierKey: options.key } : {}),
              trustedCheckpoints,
              onProgress: progress.onProgress,
            }),
          );
        } catch (error) {
          fail(`${path}: ${errorMessage(error)}`);
        } finally {
          progress.finish();
          cleanup();
        }
      }
      const ok = reports.every((r) => r.ok);
      printResult(options.json, { ok, reports }, () => reports.map(reportText).join("\n"));
      if (!ok) process.exitCode = 1;
    });
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
    .description("Print records of a partition, oldest first (newest first with --reverse)")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option("--type <type>", "only records of this type, e.g. fleet.decision")
    .option("--from <seq>", "start at this seq (with --reverse: the newest seq to show)", wholeNumber("--from"))
    .option("--limit <n>", "at most this many records", wholeNumber("--limit"), 50)
    .option("--reverse", "newest first")
    .option("--json", "print the records as a JSON array")
    .action(
      async (
        path: string,
        options: { partition?: string; type?: string; from?: number; limit: number; reverse?: boolean; json?: boolean },
      ) => {
        const ledger = await open(storeTarget(path, "show"));
        const partition = await pickPartition(ledger, options.partition);
        const records: StoredRecord[] = [];
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
          fail(errorMessage(error), 2);
        } finally {
          await ledger.close();
        }
        printResult(options.json === true, records, () =>
          records.length === 0 ? `no records in ${partition} match` : records.map(recordLine).join("\n"),
        );
      },
    );
}

function appendCommand(): Command {
  return new Command("append")
    .description("Append one record (the partition's writer lock is taken: refused while a service writes it)")
    .argument("<path>", "a JSONL store directory (created if missing), a SQLite file or a postgres:// URL")
    .requiredOption("--partition <name>", "the partition, e.g. ops or fleet/op-1")
    .requiredOption("--type <type>", "the record type, namespaced like part.name")
    .requiredOption("--body <json>", "the record body as JSON")
    .option("--json", "print the stored record as JSON")
    .action(async (path: string, options: { partition: string; type: string; body: string; json?: boolean }) => {
      let body: unknown;
      try {
        body = JSON.parse(options.body);
      } catch (error) {
        fail(`--body is not valid JSON: ${errorMessage(error)}`, 2);
      }
      const ledger = await open(storeTarget(path, "append", true));
      try {
        const record = await ledger.append(options.partition, options.type, body as never);
        printResult(options.json === true, record, () => `appended ${options.partition} #${record.seq} ${record.hash}`);
      } catch (error) {
        fail(errorMessage(error), error instanceof (await ledgerModule()).LedgerValueError ? 2 : 1);
      } finally {
        await ledger.close();
      }
    });
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
    .action(async (path: string, seq: number, options: { partition?: string; size?: number; json?: boolean }) => {
      const ledger = await open(storeTarget(path, "proof"));
      try {
        const partition = await pickPartition(ledger, options.partition);
        const latest = await ledger.latestCheckpoint(partition);
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
        fail(errorMessage(error), 2);
      } finally {
        await ledger.close();
      }
    });
}

function checkpointCommand(): Command {
  return new Command("checkpoint")
    .description(
      "Sign a checkpoint of a partition's current tree (C2SP tlog-checkpoint) and print it with the verifier key",
    )
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "the Ed25519 signing key (default: ledger.key beside the store; created mode 600 if missing)",
    )
    .option("--origin <origin>", "log origin prefix, for a partition without checkpoints yet", "pithead.local")
    .option("--json", "print {note, verifierKey, size, rootHash, …} as JSON")
    .action(async (path: string, options: { partition?: string; keyFile?: string; origin: string; json?: boolean }) => {
      const target = storeTarget(path, "checkpoint");
      const keyFile = defaultKeyFile(target, options.keyFile);
      if (!keyFile) fail("a PostgreSQL ledger needs --key-file", 2);
      const probe = await open(target);
      const partition = await pickPartition(probe, options.partition);
      const identity = await existingIdentity(probe, partition);
      await probe.close();
      const { loadOrCreateSigner } = await ledgerModule();
      let signer: LedgerSigner;
      try {
        signer = loadOrCreateSigner(keyFile, identity.origin ?? options.origin, identity.keyName);
      } catch (error) {
        return fail(`--key-file: ${errorMessage(error)}`);
      }
      const ledger = await open(target, { signer });
      try {
        const checkpoint = await ledger.checkpoint(partition);
        const result = { partition, ...checkpoint, verifierKey: signer.verifierKey };
        printResult(options.json === true, result, () => `${checkpoint.note}\nverifier key: ${signer.verifierKey}`);
      } catch (error) {
        fail(errorMessage(error));
      } finally {
        await ledger.close();
      }
    });
}

function exportCommand(): Command {
  return new Command("export")
    .description("Write a partition to one self-contained file that `pithead ledger verify` checks offline")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .argument("<file>", "the export file to write")
    .option("--partition <name>", "the partition (default: the only one)")
    .option(
      "--key-file <file>",
      "name the verifier key of this signing key in the export (default: ledger.key beside the store)",
    )
    .option("--json", "print {file, records, checkpoints, bytes} as JSON")
    .action(async (path: string, file: string, options: { partition?: string; keyFile?: string; json?: boolean }) => {
      // Said up front, about the file asked for (not the temporary file it is written through).
      if (!existsSync(dirname(resolve(file))))
        fail(`cannot write ${file}: the folder ${dirname(resolve(file))} does not exist`, 2);
      const target = storeTarget(path, "export");
      const probe = await open(target);
      const partition = await pickPartition(probe, options.partition);
      const identity = await existingIdentity(probe, partition);
      await probe.close();
      const lib = await ledgerModule();
      const keyFile = defaultKeyFile(target, options.keyFile);
      const signer =
        keyFile && existsSync(keyFile) && identity.origin
          ? lib.loadOrCreateSigner(keyFile, identity.origin, identity.keyName)
          : undefined;
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
        fail(errorMessage(error));
      } finally {
        await ledger.close();
      }
    });
}

function partitionsCommand(): Command {
  return new Command("partitions")
    .description("List the partitions of a ledger with their sizes and latest checkpoints")
    .argument("<path>", "a JSONL store directory, a SQLite file or a postgres:// URL")
    .option("--json", "print as JSON")
    .action(async (path: string, options: { json?: boolean }) => {
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
    });
}

export function registerLedgerCommands(program: Command): void {
  program.addCommand(
    new Command("ledger")
      .description("The tamper-evident evidence ledger: verify, show, append, proof, checkpoint, export, partitions")
      .addCommand(verifyCommand())
      .addCommand(showCommand())
      .addCommand(appendCommand())
      .addCommand(proofCommand())
      .addCommand(checkpointCommand())
      .addCommand(exportCommand())
      .addCommand(partitionsCommand()),
  );
}
