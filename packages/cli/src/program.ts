import { Command } from "commander";

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

/** The first word that is not an option: the top-level command the user asked for. */
function requestedCommand(argv: readonly string[]): string | undefined {
  return argv.slice(2).find((arg) => !arg.startsWith("-"));
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command("pithead")
    .description(
      "Pithead: one open stack for people who run miners — a job coordinator and compute miner, an agent miner API, an ASIC fleet controller, all on one tamper-evident ledger.",
    )
    .version("0.1.0")
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  const wanted = requestedCommand(argv);
  const matching = modules.filter((module) => wanted !== undefined && module.names.includes(wanted));
  for (const module of matching.length > 0 ? matching : modules) (await module.load())(program);
  return program;
}
