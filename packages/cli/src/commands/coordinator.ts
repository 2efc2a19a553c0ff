// `pithead coordinator start`: the job marketplace server. Also registers the commands that talk to
// a coordinator: keys, jobs, wallet, receipt (one registration in program.ts for all of them).
// Refuses a database whose checkpoints or receipts were signed with keys its --data lacks (see
// up/ledger-keys-check.ts), and prints next steps that work with the admin key it can find.

import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  ConfigError,
  type CoordinatorConfig,
  configSettings,
  loadConfig,
  type RawSettings,
  startCoordinator,
} from "@pithead/coordinator";
import { closeOnSignals, isStorageFull, ListenPortError, listenPortFailure } from "@pithead/http";
import { KeyFileError, NotASqliteDatabase } from "@pithead/ledger";
import { type Command, Option } from "commander";
import { exitCodesHelp } from "../exit-help.ts";
import { notADirectory } from "../file-problem.ts";
import { EXIT_USAGE, errorMessage, fail } from "../output.ts";
import { postgresProblem } from "../postgres-problem.ts";
import { spinner } from "../progress.ts";
import { serverLogger } from "../server-log.ts";
import { checkCoordinatorKeys } from "../up/ledger-keys-check.ts";
import { registerJobCommands } from "./jobs.ts";
import { registerKeyCommands } from "./keys.ts";
import { registerReceiptCommands } from "./receipt.ts";
import { registerWalletCommands } from "./wallet.ts";

type SettingName = keyof typeof configSettings;

/** How to get in again when the admin key is lost: any new key, registered by a restart. */
const NEW_ADMIN_KEY =
  "restart the coordinator with PITHEAD_ADMIN_KEY set to a new random key of 16+ characters (e.g. `openssl rand -hex 24`): it is registered as an admin key and stays one. Only whoever can start the coordinator on this database can do this (they can write its files, or have its PostgreSQL password, so it gives them nothing new). Then revoke the lost key with `pithead keys revoke <id>`";

/**
 * The first steps after a start, as commands that work when pasted: `npx` (npm ci puts no `pithead`
 * on the PATH), --url off the default address, and the admin key from where it is — admin.key in
 * --data, PITHEAD_ADMIN_KEY, or (a database another coordinator created, whose admin.key stays in
 * that one's --data) an --admin-key-file to fill in, saying so. When the database sits in this
 * --data and admin.key is gone, no file has the key: say how to register a new one.
 */
export function nextSteps(
  url: string,
  config: Pick<CoordinatorConfig, "dataDir" | "db" | "adminKey">,
  adminKeyWritten: boolean,
): string[] {
  const at = url === "http://127.0.0.1:8080" ? "" : ` --url ${url}`;
  const adminKeyFile = join(config.dataDir, "admin.key");
  const lines: string[] = [];
  let admin: string;
  const ownDatabase = config.db.kind === "sqlite" && resolve(dirname(config.db.path)) === resolve(config.dataDir);
  if (adminKeyWritten || existsSync(adminKeyFile)) {
    admin = ` --data ${config.dataDir}`;
  } else if (config.adminKey !== undefined) {
    admin = "";
    lines.push("  the admin key is PITHEAD_ADMIN_KEY: these read it from the environment");
  } else if (ownDatabase) {
    // This --data holds the database, so its admin key was this admin.key (now gone) or a
    // PITHEAD_ADMIN_KEY given to an earlier start: no --admin-key-file elsewhere has it.
    admin = "";
    lines.push(
      `  ${config.dataDir} has no admin.key, and the database has an admin key: the one an earlier start wrote to ${adminKeyFile} (deleted or moved?) or was given in PITHEAD_ADMIN_KEY. Put the file back, or set PITHEAD_ADMIN_KEY to that key; if it is lost, ${NEW_ADMIN_KEY}`,
      "  with PITHEAD_ADMIN_KEY set, these read it from the environment (with admin.key back, add --data to them)",
    );
  } else {
    // The database's admin key was made by the coordinator that created it: it saved admin.key in
    // its own --data. A SQLite file's folder is that directory when admin.key is there.
    const beside = config.db.kind === "sqlite" ? join(dirname(config.db.path), "admin.key") : undefined;
    const found = beside !== undefined && existsSync(beside) ? beside : undefined;
    admin = ` --admin-key-file ${found ?? "<its data dir>/admin.key"}`;
    lines.push(
      found
        ? `  this database's admin key is in ${found}, made by the coordinator that created the database (${config.dataDir} has no admin.key)`
        : `  this database's admin key is the admin.key in the --data of the coordinator that created it (${config.dataDir} has none): pass that file, or set PITHEAD_ADMIN_KEY to the key; if that file is lost, ${NEW_ADMIN_KEY}`,
    );
  }
  lines.push(
    "  next:",
    `    npx pithead keys create --role miner --label gpu0${at}${admin}      # API_KEY for miner.sh`,
    `    npx pithead keys create --role client --wallet my-wallet${at}${admin}`,
    `    npx pithead wallet fund my-wallet 100000${at}${admin}`,
  );
  return lines;
}

function startCommand(coordinator: Command): void {
  const start = coordinator
    .command("start")
    .description(
      "Start the coordinator. Embedded defaults: a SQLite database under ./data, created with an admin key on first start. Every flag also reads its PITHEAD_* variable; PITHEAD_ADMIN_KEY sets the admin key.",
    )
    .addHelpText(
      "after",
      exitCodesHelp({
        done: "stopped by SIGTERM/SIGINT",
        failed:
          "it did not start (the port in use, the disk full, the database unreachable) or its store stopped while it ran (a supervisor restarts it)",
        usage: "a setting a flag or its PITHEAD_* variable gives, refused; a --data that cannot be a directory",
      }),
    );
  // One flag per setting, generated from the config loader so the two never disagree.
  const attributes = new Map<string, SettingName>();
  for (const [name, setting] of Object.entries(configSettings) as [
    SettingName,
    (typeof configSettings)[SettingName],
  ][]) {
    if (!setting.flag) continue;
    const option = new Option(`${setting.flag} <value>`, `${setting.description} [${setting.env}]`);
    attributes.set(option.attributeName(), name);
    start.addOption(option);
  }
  start.action(async (options: Record<string, string | undefined>) => {
    const flags: RawSettings = {};
    for (const [attribute, name] of attributes) {
      const value = options[attribute];
      if (value !== undefined) flags[name] = value;
    }
    const progress = spinner("starting the coordinator");
    let where = flags.dataDir ?? "the data directory";
    let listenAt: { host: string; port: number } | undefined;
    try {
      const config = loadConfig(flags, process.env);
      listenAt = { host: config.host, port: config.port };
      if (config.db.kind === "sqlite") where = config.db.path;
      // mkdir's EEXIST/ENOTDIR names neither the flag nor what to do.
      const problem = notADirectory(config.dataDir);
      if (problem) {
        const from =
          flags.dataDir !== undefined ? "--data" : process.env.PITHEAD_DATA ? "PITHEAD_DATA" : "the default ./data";
        progress.fail("the coordinator did not start");
        fail(`${from}: ${problem}: pass a directory (it is created if missing)`, EXIT_USAGE);
      }
      // Before anything is created: a database signed with keys this --data lacks is refused.
      await checkCoordinatorKeys(config);
      const running = await startCoordinator({
        flags,
        logger: serverLogger(flags.logLevel ?? process.env.PITHEAD_LOG_LEVEL ?? "info"),
      });
      const db = running.config.db.kind === "sqlite" ? `SQLite ${running.config.db.path}` : "PostgreSQL";
      progress.succeed(`coordinator listening on ${running.url} (${db})`);
      const lines = [
        `  docs ${running.url}/docs · health ${running.url}/health · receipt key ${running.url}/v1/keys/receipts`,
      ];
      if (running.generatedAdminKey) {
        lines.push(`  first start: an admin key was created and saved to ${running.adminKeyFile} (mode 600)`);
        // The key goes to a terminal only: under systemd stdout is the journal, and keys stay out of logs.
        if (process.stderr.isTTY) lines.push(`  admin key (shown once): ${running.generatedAdminKey}`);
      }
      lines.push(...nextSteps(running.url, running.config, running.adminKeyFile !== undefined));
      process.stderr.write(`${lines.join("\n")}\n`);
      closeOnSignals(running.app);
      // The store thread died (logged): the server has closed; exit so a supervisor restarts us.
      void running.failed.then(() => {
        process.stderr.write("the coordinator's store thread stopped (see the log); exiting with status 1\n");
        process.exit(1);
      });
    } catch (error) {
      progress.fail("the coordinator did not start");
      // A malformed flag or PITHEAD_* value: a usage error, as for every command.
      if (error instanceof ConfigError) fail(error.message, EXIT_USAGE);
      if (error instanceof NotASqliteDatabase) fail(`--db / PITHEAD_DB: ${error.message}`, EXIT_USAGE);
      const host =
        flags.host !== undefined
          ? `--host ${flags.host}`
          : process.env.PITHEAD_HOST
            ? `PITHEAD_HOST ${process.env.PITHEAD_HOST}`
            : undefined;
      const refused = startRefusal(error, host);
      if (refused) fail(refused.message, refused.exitCode);
      const settings = {
        command: "pithead coordinator start",
        portVariable: "PITHEAD_PORT",
        hostVariable: "PITHEAD_HOST",
      };
      const portProblem = listenAt && listenPortFailure(error, listenAt.host, listenAt.port, settings);
      if (portProblem instanceof ListenPortError) fail(portProblem.message);
      // SQLite says only "database or disk is full": name the place to free.
      if (isStorageFull(error) && !(error instanceof KeyFileError))
        fail(`the disk holding ${where} is full (${errorMessage(error)}): free some space and start again`);
      const db = flags.db ?? process.env.PITHEAD_DB;
      const problem = db ? postgresProblem(error, db, "--db / PITHEAD_DB") : undefined;
      fail(problem ?? errorMessage(error));
    }
  });
}

/**
 * A start refused by the OS, in a line naming what to change: Node's own text ("EACCES: permission
 * denied, mkdir '/srv/x'", "getaddrinfo ENOTFOUND 10.0.0.300") names neither the flag nor the fix.
 */
export function startRefusal(
  error: unknown,
  host: string | undefined,
): { message: string; exitCode: number } | undefined {
  const { code, path } = error as NodeJS.ErrnoException;
  if ((code === "EACCES" || code === "EPERM" || code === "EROFS") && typeof path === "string") {
    const why = code === "EROFS" ? "the file system is read-only" : "permission denied";
    return {
      message: `cannot write ${path}: ${why}: start as a user who may write there, or pass another --data (PITHEAD_DATA)`,
      exitCode: 1,
    };
  }
  if ((code === "ENOTFOUND" || code === "EADDRNOTAVAIL" || code === "EAI_AGAIN") && host !== undefined) {
    return {
      message: `${host} is not an address of this machine (${errorMessage(error)}): use 127.0.0.1, 0.0.0.0 (every interface) or one of its own addresses`,
      exitCode: EXIT_USAGE,
    };
  }
  return undefined;
}

export function registerCoordinatorCommands(program: Command): void {
  const coordinator = program
    .command("coordinator")
    .description("The job marketplace server: miners lease and prove jobs, clients submit and pay");
  startCommand(coordinator);
  registerKeyCommands(program);
  registerJobCommands(program);
  registerWalletCommands(program);
  registerReceiptCommands(program);
}
