// Parser for the seed's environment-style config file (`/etc/aitbc/miner.conf`): `KEY="value"`
// lines as bash and systemd's EnvironmentFile= read them. Pure: text in, entries out.
//
// Accepted: blank lines and `#` comments, an optional `export ` prefix, values double-quoted
// ("…", with \" \\ \$ \` escapes), single-quoted ('…', literal) or bare, and a trailing
// ` # comment` after the value (the seed's file has them). Rejected with the line number: line
// continuations, unterminated quotes, text after a closing quote, and keys that are not
// shell identifiers. `$(hostname)` and other substitutions are handled by expand.ts.

export interface EnvFileEntry {
  key: string;
  /** The value with quotes removed and escapes resolved. */
  value: string;
  /** Single-quoted values are literal: no substitution is applied to them. */
  literal: boolean;
  line: number;
}

export class EnvFileError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "EnvFileError";
    this.line = line;
  }
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Reads a double-quoted value starting after the opening quote; returns the value and the index after the closing quote. */
function readDoubleQuoted(text: string, start: number, line: number): { value: string; end: number } {
  let value = "";
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') return { value, end: i + 1 };
    if (ch === "\\") {
      const next = text[i + 1];
      // As in bash: inside double quotes a backslash only escapes these; elsewhere it is kept.
      if (next === '"' || next === "\\" || next === "`") {
        value += next;
        i++;
        continue;
      }
      if (next === "$") {
        // Kept escaped so expand.ts sees a literal dollar, not a substitution.
        value += "\\$";
        i++;
        continue;
      }
    }
    value += ch;
  }
  throw new EnvFileError(line, "unterminated double quote");
}

/** What may follow a value: nothing, or a `#` comment. */
function checkRest(rest: string, line: number, key: string): void {
  const trimmed = rest.trimStart();
  if (trimmed === "" || trimmed.startsWith("#")) return;
  throw new EnvFileError(
    line,
    `${key}: unexpected text after the value: ${JSON.stringify(trimmed)} (quote values that contain spaces)`,
  );
}

export function parseEnvFile(text: string): EnvFileEntry[] {
  const entries: EnvFileEntry[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const number = index + 1;
    const raw = lines[index] ?? "";
    let body = raw.trim();
    if (body === "" || body.startsWith("#")) continue;
    if (body.startsWith("export ")) body = body.slice("export ".length).trimStart();
    const eq = body.indexOf("=");
    if (eq <= 0) throw new EnvFileError(number, `expected KEY="value", got ${JSON.stringify(body)}`);
    const key = body.slice(0, eq);
    if (!KEY.test(key))
      throw new EnvFileError(
        number,
        `${JSON.stringify(key)} is not a valid key (letters, digits, _; no spaces around =)`,
      );
    const rest = body.slice(eq + 1);
    if (rest.endsWith("\\") && !rest.endsWith("\\\\")) {
      throw new EnvFileError(number, `${key}: line continuations (a trailing \\) are not supported`);
    }
    let value: string;
    let literal = false;
    if (rest.startsWith('"')) {
      const read = readDoubleQuoted(rest, 1, number);
      value = read.value;
      checkRest(rest.slice(read.end), number, key);
    } else if (rest.startsWith("'")) {
      const close = rest.indexOf("'", 1);
      if (close < 0) throw new EnvFileError(number, `${key}: unterminated single quote`);
      value = rest.slice(1, close);
      literal = true;
      checkRest(rest.slice(close + 1), number, key);
    } else {
      // Bare value: up to the first whitespace; a following `# …` is a comment.
      const match = /^(\S*)(.*)$/.exec(rest);
      value = match?.[1] ?? "";
      if (value.includes('"') || value.includes("'")) {
        throw new EnvFileError(
          number,
          `${key}: quotes in the middle of a value are not supported; quote the whole value`,
        );
      }
      checkRest(match?.[2] ?? "", number, key);
    }
    entries.push({ key, value, literal, line: number });
  }
  return entries;
}
