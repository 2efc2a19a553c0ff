import { Command } from "commander";

// Each part of Pithead adds its commands in its own file under commands/ and one line here.
const registrations: ((program: Command) => void)[] = [];

export function buildProgram(): Command {
  const program = new Command("pithead")
    .description(
      "Pithead: one open stack for people who run miners — a job coordinator and compute miner, an agent miner API, an ASIC fleet controller, all on one tamper-evident ledger.",
    )
    .version("0.1.0")
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: true });
  for (const register of registrations) register(program);
  return program;
}
