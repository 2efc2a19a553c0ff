import { sourceCommit } from "@pithead/http/source-commit";
import { Command, type CommanderError } from "commander";

type Register = (program: Command) => void;

interface CommandModule {
  /** The top-level commands the module adds. */
  names: readonly string[];
  load: () => Promise<Register>;
}

// Each part of Pithead adds its commands in its own file under commands/ and one entry here.
// Modules load lazily: `pithead fleet …` imports only the fleet module, so a command never pays
// for loading the inference library or the other servers (help loads them all).
const modules: readonly CommandModule[] = [
  { names: ["agent"], load: async () => (await import("./commands/agent.ts")).registerAgentCommands },
  {
    names: ["coordinator", "keys", "jobs", "wallet", "receipt"],
    load: async () => (await import("./commands/coordinator.ts")).registerCoordinatorCommands,
  },
  { names: ["fleet"], load: async () => (await import("./commands/fleet.ts")).registerFleetCommands },
  { names: ["ledger"], load: async () => (await import("./commands/ledger.ts")).registerLedgerCommands },
  { names: ["llm"], load: async () => (await import("./commands/llm.ts")).registerLlmCommands },
  { names: ["miner"], load: async () => (await import("./commands/miner.ts")).registerMinerCommands },
  { names: ["up", "web"], load: async () => (await import("./commands/up.ts")).registerUpCommands },
];

/** What `pithead` exits with; every command keeps to it (fail() in output.ts takes the status). */
export const EXIT_STATUS_HELP = `
Exit status:
  0    done (for verify commands: everything checked out)
  1    the command ran and failed; for verify commands (ledger, receipt, agent credentials): the check found a problem
  2    the command line is wrong: an unknown command or option, a missing or malformed value, options that do not go together,
       a file an option names that is not there (--key-file, --checkpoint, --secret-file, --dotenv…)
  3    ledger, receipt and agent credentials verify commands: could not run (a server unreachable or refusing,
       the ledger/receipt/credentials file the command checks missing or not one, a ledger locked by its writer)
  130  a second Ctrl-C while stopping (143 for SIGTERM): stopped without waiting
`;

/** The first word that is not an option: the top-level command the user asked for. */
function requestedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith("-"));
}

/** Help and --version exit 0; every other parse error is a usage error: status 2. */
function exitOnParseError(error: CommanderError): never {
  const asked = error.code === "commander.helpDisplayed" || error.code === "commander.version";
  process.exit(asked ? error.exitCode : 2);
}

/**
 * A usage error prints one line and where the help is, not the whole help, on every command (set on
 * each: commands added with addCommand do not inherit these settings).
 */
function configureUsageErrors(command: Command, path: string): void {
  command.showHelpAfterError(`(see \`${path} --help\`)`).exitOverride(exitOnParseError);
  for (const sub of command.commands) configureUsageErrors(sub, `${path} ${sub.name()}`);
}

/** `0.1.0 (commit 1e08840c0a1b)` from a checkout: the version alone names no build. */
function versionText(): string {
  const commit = sourceCommit();
  return commit ? `0.1.0 (commit ${commit})` : "0.1.0";
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("pithead")
    .description(
      "Pithead: one open stack for people who run miners — a job coordinator and compute miner, an agent miner API and an ASIC fleet controller. The coordinator and the fleet controller each keep their own tamper-evident ledger of what they did (the agent keeps none).",
    )
    .version(versionText())
    .configureHelp({ sortSubcommands: true })
    .addHelpText("after", EXIT_STATUS_HELP);
  const wanted = requestedCommand(argv);
  const matching = modules.filter((module) => wanted !== undefined && module.names.includes(wanted));
  for (const module of matching.length > 0 ? matching : modules) (await module.load())(program);
  configureUsageErrors(program, "pithead");
  return program;
}
