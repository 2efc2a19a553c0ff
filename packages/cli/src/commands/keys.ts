// `pithead keys create|list|revoke`: API keys of a coordinator, with its admin key (from
// --admin-key-file, PITHEAD_ADMIN_KEY, <data>/admin.key on the coordinator's host, or the
// keys.json of `pithead up` for a coordinator on this machine).
import { readFileSync } from "node:fs";
import { adminKeyFrom, CoordinatorApiError, CoordinatorClient, coordinatorUrl } from "@pithead/coordinator";
import { type Command, InvalidArgumentError } from "commander";
import { upKey } from "../local-keys.ts";
import { errorMessage, fail, printResult } from "../output.ts";

export interface AdminOptions {
  url?: string;
  data: string;
  adminKeyFile?: string;
  json?: boolean;
}

export function withAdminOptions(command: Command): Command {
  return command
    .option("--url <url>", "coordinator URL [PITHEAD_URL, COORD_URL] (default http://127.0.0.1:8080)")
    .option(
      "--data <dir>",
      "the coordinator's data directory, where admin.key is",
      process.env.PITHEAD_DATA ?? "./data",
    )
    .option(
      "--admin-key-file <file>",
      "read the admin key from this file [default: PITHEAD_ADMIN_KEY, then <data>/admin.key, then <data>/keys.json]",
    )
    .option("--json", "print JSON");
}

export function adminClient(options: AdminOptions): CoordinatorClient {
  const url = coordinatorUrl(options.url);
  const fromFile = options.adminKeyFile ? readFileSync(options.adminKeyFile, "utf8").trim() : undefined;
  const key = adminKeyFrom(fromFile, options.data) ?? upKey("admin", url, options.data);
  if (!key) {
    fail(
      `no admin key: set PITHEAD_ADMIN_KEY, pass --admin-key-file, or run where ${options.data}/admin.key (coordinator start) or ${options.data}/keys.json (pithead up) exists`,
    );
  }
  return new CoordinatorClient(url, key);
}

/** One line for an API error: what the server said, with its code. */
export function failApi(error: unknown): never {
  if (error instanceof CoordinatorApiError) {
    const field = typeof error.details?.field === "string" ? ` (${error.details.field})` : "";
    fail(`${error.message}${field} [${error.code}]`);
  }
  fail(errorMessage(error));
}

const roles = ["client", "miner", "admin"];

export function registerKeyCommands(program: Command): void {
  const keys = program.command("keys").description("Create, list and revoke a coordinator's API keys (admin)");

  withAdminOptions(
    keys
      .command("create")
      .description("Create a key; it is shown once. A client key gets a wallet (--wallet, or a new address)")
      .requiredOption("--role <role>", "client, miner or admin", (value) => {
        if (!roles.includes(value)) throw new InvalidArgumentError("must be client, miner or admin");
        return value;
      })
      .option("--label <label>", "a name to recognise the key by")
      .option("--wallet <address>", "the client's wallet")
      .option(
        "--miner-id <id>",
        "a miner key only: bind it to this miner id; a registered id (its reputation with it) moves to the new key once its old key is revoked — how a miner key is rotated",
      ),
  ).action(async (options: AdminOptions & { role: string; label?: string; wallet?: string; minerId?: string }) => {
    if (options.minerId !== undefined && options.role !== "miner") fail("--miner-id is only for --role miner");
    try {
      // Built apart: the client's createKey type predates miner_id, which the route takes.
      const request = {
        role: options.role,
        ...(options.label ? { label: options.label } : {}),
        ...(options.wallet ? { wallet: options.wallet } : {}),
        ...(options.minerId ? { miner_id: options.minerId } : {}),
      };
      const created = await adminClient(options).createKey(request);
      printResult(options.json === true, created, () =>
        [
          `${created.role} key ${created.id}${created.wallet ? ` (wallet ${created.wallet})` : ""}${created.miner_id ? ` (miner id ${created.miner_id})` : ""}:`,
          `  ${created.key}`,
          "  store it now: it is not shown again (the coordinator keeps only its hash)",
        ].join("\n"),
      );
    } catch (error) {
      failApi(error);
    }
  });

  withAdminOptions(keys.command("list").description("List keys (never the secrets)")).action(
    async (options: AdminOptions) => {
      try {
        const list = await adminClient(options).listKeys();
        printResult(
          options.json === true,
          list,
          () =>
            list
              .map(
                (key) =>
                  `${key.id}  ${key.role.padEnd(6)} ${key.revoked_at ? "revoked" : "active "} ${key.label ?? ""}${key.wallet ? ` wallet=${key.wallet}` : ""}${key.miner_id ? ` miner=${key.miner_id}` : ""}`,
              )
              .join("\n") || "no keys",
        );
      } catch (error) {
        failApi(error);
      }
    },
  );

  withAdminOptions(
    keys.command("revoke").description("Revoke a key: refused from its next request on").argument("<id>", "key id"),
  ).action(async (id: string, options: AdminOptions) => {
    try {
      const revoked = await adminClient(options).revokeKey(id);
      printResult(options.json === true, revoked, () => `revoked ${revoked.id} (${revoked.role})`);
    } catch (error) {
      failApi(error);
    }
  });
}
