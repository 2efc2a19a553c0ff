// What `--help` tells a user who scripts a command: its exit codes, and every default written the
// one way commander writes its own, `(default: …)`.
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../src/program.ts";
import { pithead } from "./support/run-pithead.ts";

/** The commands whose exit status a script or a supervisor acts on. */
const WITH_EXIT_CODES = [
  ["miner", "doctor"],
  ["miner", "start"],
  ["jobs", "submit"],
  ["keys", "create"],
  ["keys", "list"],
  ["keys", "revoke"],
  ["wallet", "balance"],
  ["wallet", "fund"],
  ["fleet", "probe"],
  ["fleet", "cycle"],
  ["fleet", "sign"],
  ["fleet", "start"],
  ["coordinator", "start"],
  ["agent", "start"],
];

function leaves(command: Command, path: string[] = []): [string[], Command][] {
  if (command.commands.length === 0) return [[path, command]];
  return command.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

describe("--help", () => {
  it("ends with the command's exit codes, 2 always the command line", async () => {
    const helps = await Promise.all(WITH_EXIT_CODES.map((words) => pithead([...words, "--help"])));
    for (const [i, help] of helps.entries()) {
      const name = WITH_EXIT_CODES[i]?.join(" ");
      expect([name, help.code]).toEqual([name, 0]);
      expect(help.stdout.replace(/\s+/g, " "), name).toMatch(/ Exit codes: 0 [^;]+; 1 .+; 2 the command line is wrong/);
    }
    const doctor = helps[0]?.stdout.replace(/\s+/g, " ");
    expect(doctor).toContain("1 the report names a problem: the miner would not start");
    const start = helps[1]?.stdout.replace(/\s+/g, " ");
    expect(start).toContain("78 (EX_CONFIG) the coordinator refuses its credentials");
    // The example keeps API_KEY out of ps.
    expect(start).not.toContain("--api-key $");
  });

  it("writes every default as commander does, (default: …), with no number in quotes", async () => {
    const program = await buildProgram(["node", "pithead"]);
    const odd: string[] = [];
    for (const [path, command] of leaves(program)) {
      const help = command.helpInformation().replace(/\s+/g, " ");
      for (const match of help.matchAll(/\(default [^)]*\)|\[default[^\]]*\]|\(default: "\d+"\)|, default \d/g))
        odd.push(`pithead ${path.join(" ")}: ${match[0]}`);
    }
    expect(odd).toEqual([]);
  });
});
