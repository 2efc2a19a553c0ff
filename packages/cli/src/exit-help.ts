// The "Exit codes:" paragraph at the end of a command's --help. 2 means the same everywhere
// (EXIT_STATUS_HELP in program.ts); each command says what its 0 and 1 mean, and its own codes.

export interface ExitCodes {
  /** When it exits 0 (default: done). */
  done?: string;
  /** When it exits 1. */
  failed: string;
  /** What else is "the command line is wrong" for this command (a config file's value, …). */
  usage?: string;
  /** Its other codes, e.g. "78 …; 130 …". */
  more?: string;
}

const WIDTH = 100;

export function exitCodesHelp(codes: ExitCodes): string {
  const usage = codes.usage ?? "an option or its value, a file an option names that is not there";
  const text =
    `Exit codes: 0 ${codes.done ?? "done"}; 1 ${codes.failed}; 2 the command line is wrong (${usage})` +
    `${codes.more ? `; ${codes.more}` : ""}.`;
  return `\n${wrap(text)}\n`;
}

/** Commander wraps options, not help text: lines of at most WIDTH characters, as the ledger's codes. */
function wrap(text: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}
