// `pithead wallet balance|fund`.
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { CoordinatorApiError, CoordinatorClient } from "@pithead/coordinator";
import { type Command, InvalidArgumentError } from "commander";
import { coordinatorUrlOf } from "../coordinator-url.ts";
import { exitCodesHelp } from "../exit-help.ts";
import { upDataDir, upKey } from "../local-keys.ts";
import { fail, printResult } from "../output.ts";
import { type AdminOptions, adminClient, failApi, withAdminOptions } from "./keys.ts";

function amount(value: string): number {
  if (!/^[1-9]\d{0,15}$/.test(value))
    throw new InvalidArgumentError("must be a positive integer amount (smallest unit)");
  return Number(value);
}

interface BalanceOptions {
  url?: string;
  keyEnv: string;
  data?: string;
  adminKeyFile?: string;
  json?: boolean;
}

/** An operator reads any wallet with the admin key found as `wallet fund` finds it (--data, --admin-key-file). */
async function adminBalance(address: string | undefined, options: BalanceOptions): Promise<void> {
  if (!address)
    fail("the admin key reads any wallet: name it, as in `pithead wallet balance <address> --data <dir>`", 2);
  const admin = adminClient({
    url: options.url,
    data: options.data ?? process.env.PITHEAD_DATA ?? "./data",
    adminKeyFile: options.adminKeyFile,
  });
  try {
    const balance = await admin.api.balance(address);
    printResult(
      options.json === true,
      balance,
      () => `${balance.address}: ${balance.balance} (pending ${balance.pending})`,
    );
  } catch (error) {
    failApi(error, admin.source);
  }
}

export function registerWalletCommands(program: Command): void {
  const wallet = program.command("wallet").description("Wallet balances and funding");

  wallet
    .command("balance")
    .description("A wallet's balance: your own with a client or miner key, any address with an admin key")
    .argument("[address]", "wallet address (required with an admin key)")
    .option("--url <url>", "coordinator URL [PITHEAD_URL, COORD_URL] (default: http://127.0.0.1:8080)")
    .option("--key-env <name>", "environment variable holding the API key", "PITHEAD_KEY")
    .option(
      "--data <dir>",
      "read any address with the admin key in the coordinator's data directory, as `wallet fund` does",
    )
    .option("--admin-key-file <file>", "read any address with the admin key in this file")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      exitCodesHelp({
        failed: "no key, or the coordinator refused it (the error says where it came from) or could not be reached",
      }),
    )
    .action(async (address: string | undefined, options: BalanceOptions) => {
      const url = coordinatorUrlOf(options.url);
      if (options.data !== undefined || options.adminKeyFile !== undefined) return adminBalance(address, options);
      const fromUp = upKey("client", url, upDataDir());
      const [key, source] = process.env[options.keyEnv]
        ? [process.env[options.keyEnv], options.keyEnv]
        : process.env.API_KEY
          ? [process.env.API_KEY, "API_KEY"]
          : [fromUp, `${join(upDataDir(), "keys.json")} (pithead up's keys)`];
      if (!key) fail(`no API key: set ${options.keyEnv} (or API_KEY, as in miner.conf)`);
      try {
        const balance = await new CoordinatorClient(url, key).balance(address);
        printResult(
          options.json === true,
          balance,
          () => `${balance.address}: ${balance.balance} (pending ${balance.pending})`,
        );
      } catch (error) {
        if (error instanceof CoordinatorApiError && error.details?.field === "querystring.address") {
          fail("an admin key reads any wallet: name it, as in `pithead wallet balance <address>`");
        }
        if (error instanceof CoordinatorApiError && error.code === "NOT_YOUR_WALLET") {
          fail(
            `${error.message} [${error.code}]; the key used came from ${source}. To read ${address}, use the admin key: add --data <the coordinator's data dir> or --admin-key-file <file>`,
          );
        }
        failApi(error, source);
      }
    });

  withAdminOptions(
    wallet
      .command("fund")
      .description("Credit a wallet (admin): the only way money enters the books")
      .argument("<address>", "wallet address")
      .argument("<amount>", "integer amount of the smallest unit", amount),
  ).action(async (address: string, value: number, options: AdminOptions) => {
    const admin = adminClient(options);
    try {
      // One idempotency key per invocation: a retry of this request after a network error cannot fund twice.
      const funded = await admin.api.fund(address, value, randomUUID());
      printResult(options.json === true, funded, () => `${funded.address}: ${funded.balance}`);
    } catch (error) {
      failApi(error, admin.source);
    }
  });
}
