// `pithead keys create|list|revoke`: API keys of a coordinator, with its admin key (from
// --admin-key-file, PITHEAD_ADMIN_KEY, <data>/admin.key on the coordinator's host, or the
// keys.json of `pithead up` for a coordinator on this machine).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CoordinatorApiError, CoordinatorClient } from "@pithead/coordinator";
import { apiKeyId } from "@pithead/http";
import { type Command, InvalidArgumentError } from "commander";
import { coordinatorUrlOf } from "../coordinator-url.ts";
import { exitCodesHelp } from "../exit-help.ts";
import { readableByOthers, readProblem } from "../file-problem.ts";
import { upKey, upKeysProblem } from "../local-keys.ts";
import { errorMessage, fail, printResult } from "../output.ts";

export interface AdminOptions {
  url?: string;
  data: string;
  adminKeyFile?: string;
  json?: boolean;
}

export function withAdminOptions(command: Command): Command {
  return command
    .option("--url <url>", "coordinator URL [PITHEAD_URL, COORD_URL] (default: http://127.0.0.1:8080)")
    .option(
      "--data <dir>",
      "the coordinator's data directory, where admin.key is",
      process.env.PITHEAD_DATA ?? "./data",
    )
    .option(
      "--admin-key-file <file>",
      "read the admin key from this file (default: PITHEAD_ADMIN_KEY, then <data>/admin.key, then <data>/keys.json)",
    )
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        failed:
          "the coordinator refused the request (the error says where the admin key came from) or could not be reached",
      }),
    );
}

/** A key for the coordinator and where it came from, to say so when the coordinator refuses it. */
export interface KeyInUse {
  key: string;
  source: string;
}

function readKeyFile(file: string): string {
  return readFileSync(file, "utf8").trim();
}

/** A key file readable by others is still used (refusing it would stop running setups), with a warning as ssh gives. */
function warnIfReadable(file: string): void {
  const mode = readableByOthers(file);
  if (mode)
    process.stderr.write(
      `warning: ${file} holds an admin key and is readable by others (${mode}): run chmod 600 ${file}\n`,
    );
}

/** <data>/admin.key's key; a missing or empty file is undefined, one that cannot be read is `problem`. */
function adminKeyFileIn(dataDir: string): { key?: string; problem?: string } {
  const file = join(dataDir, "admin.key");
  try {
    const key = readKeyFile(file);
    return key ? { key } : { problem: `${file} is empty` };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? {} : { problem: readProblem(file, error) };
  }
}

/** The admin key, in the order the help gives: --admin-key-file, PITHEAD_ADMIN_KEY, admin.key, keys.json. */
export function adminKeyOf(options: AdminOptions, url: string, env = process.env): KeyInUse | undefined {
  if (options.adminKeyFile) {
    let key: string;
    try {
      key = readKeyFile(options.adminKeyFile);
    } catch (error) {
      return fail(`cannot use --admin-key-file: ${readProblem(options.adminKeyFile, error)}`, 2);
    }
    warnIfReadable(options.adminKeyFile);
    return { key, source: `--admin-key-file ${options.adminKeyFile}` };
  }
  if (env.PITHEAD_ADMIN_KEY) return { key: env.PITHEAD_ADMIN_KEY, source: "PITHEAD_ADMIN_KEY" };
  const adminFile = join(options.data, "admin.key");
  const fromFile = adminKeyFileIn(options.data).key;
  if (fromFile) {
    warnIfReadable(adminFile);
    return { key: fromFile, source: `${adminFile} (made by coordinator start)` };
  }
  const fromUp = upKey("admin", url, options.data);
  if (fromUp) return { key: fromUp, source: `${join(options.data, "keys.json")} (pithead up's keys)` };
  return undefined;
}

export function adminClient(options: AdminOptions): { api: CoordinatorClient; source: string } {
  const url = coordinatorUrlOf(options.url);
  const admin = adminKeyOf(options, url);
  if (!admin) {
    // Say what is wrong with each place looked in: missing, unreadable, or refused for its mode.
    const adminFile = adminKeyFileIn(options.data).problem ?? `${join(options.data, "admin.key")} does not exist`;
    const upFile =
      upKeysProblem("admin", options.data, url) ?? `${join(options.data, "keys.json")} of pithead up does not exist`;
    fail(
      `no admin key: set PITHEAD_ADMIN_KEY, pass --admin-key-file, or pass the coordinator's --data (where coordinator start keeps admin.key); ${adminFile}; ${upFile}`,
    );
  }
  return { api: new CoordinatorClient(url, admin.key), source: admin.source };
}

/**
 * A job another client submitted is a 404 to this key, as one that does not exist: say so, and
 * where the key came from, since a wrong PITHEAD_KEY is the likely cause when the id is right.
 */
function notYours(error: CoordinatorApiError, source: string | undefined): string {
  if (error.code !== "JOB_NOT_FOUND" || source === undefined) return "";
  const id = typeof error.details?.job_id === "string" ? `job ${error.details.job_id}` : "the job";
  return `: ${id} is not one this key can see (a client key sees only the jobs it submitted); the key used came from ${source}`;
}

/**
 * One line for an API error: what the server said, with its code. A refused key is named by where
 * it came from (`source`), since a key picked up from a file nearby may not be the one meant.
 */
export function failApi(error: unknown, source?: string): never {
  if (error instanceof CoordinatorApiError) {
    const field = typeof error.details?.field === "string" ? ` (${error.details.field})` : "";
    const from = source && (error.status === 401 || error.status === 403) ? `; the key used came from ${source}` : "";
    fail(`${error.message}${field} [${error.code}]${from}${notYours(error, source)}`);
  }
  fail(errorMessage(error));
}

const roles = ["client", "miner", "admin"];

/** One key of `keys list`: id, role, state, then what it has of label, wallet and miner id, one space apart. */
export function keyLine(key: {
  id: string;
  role: string;
  revoked_at?: string | null;
  label?: string | null;
  wallet?: string | null;
  miner_id?: string | null;
}): string {
  const more = [key.label, key.wallet ? `wallet=${key.wallet}` : "", key.miner_id ? `miner=${key.miner_id}` : ""];
  const state = key.revoked_at ? "revoked" : "active ";
  return `${key.id}  ${key.role.padEnd(6)} ${state} ${more.filter(Boolean).join(" ")}`.trimEnd();
}

/** The id to revoke: a pasted key (`ph_<role>_<id>_<secret>`) gives its id, so its secret never leaves this machine. */
export function keyIdOf(value: string): string {
  return apiKeyId(value.trim()) ?? value.trim();
}

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("Create, list and revoke a coordinator's API keys (admin)");

  withAdminOptions(
    keys
      .command("create")
      .description(
        "Create a key; it is shown once. A client key gets a wallet (--wallet, or a new address); a miner key may be bound to a payout wallet (--wallet) and to a miner id (--miner-id)",
      )
      .requiredOption("--role <role>", "client, miner or admin", (value) => {
        if (!roles.includes(value)) throw new InvalidArgumentError("must be client, miner or admin");
        return value;
      })
      .option("--label <label>", "a name to recognise the key by")
      .option(
        "--wallet <address>",
        "a client key: the wallet it pays from; a miner key: the only wallet its miner is paid into (an operator's rigs may share it)",
      )
      .option(
        "--miner-id <id>",
        "a miner key only: bind it to this miner id; a registered id (its reputation with it) moves to the new key once its old key is revoked — how a miner key is rotated",
      ),
  ).action(async (options: AdminOptions & { role: string; label?: string; wallet?: string; minerId?: string }) => {
    if (options.minerId !== undefined && options.role !== "miner") fail("--miner-id is only for --role miner", 2);
    if (options.wallet !== undefined && options.role === "admin") fail("--wallet is for --role client or miner", 2);
    const admin = adminClient(options);
    try {
      // Built apart: the client's createKey type predates miner_id, which the route takes.
      const request = {
        role: options.role,
        ...(options.label ? { label: options.label } : {}),
        ...(options.wallet ? { wallet: options.wallet } : {}),
        ...(options.minerId ? { miner_id: options.minerId } : {}),
      };
      const created = await admin.api.createKey(request);
      printResult(options.json === true, created, () =>
        [
          `${created.role} key ${created.id}${created.wallet ? ` (wallet ${created.wallet})` : ""}${created.miner_id ? ` (miner id ${created.miner_id})` : ""}:`,
          `  ${created.key}`,
          "  store it now: it is not shown again (the coordinator keeps only its hash)",
        ].join("\n"),
      );
    } catch (error) {
      failApi(error, admin.source);
    }
  });

  withAdminOptions(keys.command("list").description("List keys (never the secrets)")).action(
    async (options: AdminOptions) => {
      const admin = adminClient(options);
      try {
        const list = await admin.api.listKeys();
        printResult(options.json === true, list, () => list.map(keyLine).join("\n") || "no keys");
      } catch (error) {
        failApi(error, admin.source);
      }
    },
  );

  withAdminOptions(
    keys
      .command("revoke")
      .description("Revoke a key: refused from its next request on")
      .argument("<id>", "key id (as `keys list` shows it), or the key itself: only its id is sent", keyIdOf),
  ).action(async (id: string, options: AdminOptions) => {
    const admin = adminClient(options);
    try {
      const revoked = await admin.api.revokeKey(id);
      printResult(options.json === true, revoked, () => `revoked ${revoked.id} (${revoked.role})`);
    } catch (error) {
      if (error instanceof CoordinatorApiError && error.code === "KEY_NOT_FOUND")
        fail(`this coordinator has no key ${id} [KEY_NOT_FOUND]: \`pithead keys list\` shows the ids`);
      failApi(error, admin.source);
    }
  });
}
