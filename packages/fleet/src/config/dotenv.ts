// Reads a .env file (KEY=value lines, # comments, `export ` prefix, quotes) into a map.
// Values already in the environment win, as with every dotenv loader operators know.
// A line that is not a setting is an error naming it: ignored, a typo such as `MINER_0_IP 10.0.0.5`
// would start the controller on a simulated fleet. A quoted value may span lines (an
// OPERATORS_JSON laid out over several), and a comment may follow its closing quote.

import { existsSync, readFileSync } from "node:fs";

/** A line of a .env file that is not a setting; `line` counts from 1. */
export class DotenvSyntaxError extends Error {
  readonly line: number;
  readonly reason: string;
  constructor(line: number, reason: string) {
    super(`line ${line}: ${reason}`);
    this.name = "DotenvSyntaxError";
    this.line = line;
    this.reason = reason;
  }
}

const setting = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*/;
const escapes: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

export function parseDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = (lines[index] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = setting.exec(line);
    if (!match) {
      const shown = line.length > 40 ? `${line.slice(0, 40)}…` : line;
      throw new DotenvSyntaxError(lineNo, `expected KEY=value, got ${JSON.stringify(shown)}`);
    }
    const key = match[1] as string;
    let rest = line.slice(match[0].length);
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      values.set(key, rest.startsWith("#") ? "" : rest.replace(/\s+#.*$/, "").trim());
      continue;
    }
    // A quoted value: read on, across lines, up to the closing quote.
    let value = "";
    let i = 1;
    for (;;) {
      if (i >= rest.length) {
        if (index + 1 >= lines.length)
          throw new DotenvSyntaxError(lineNo, `the ${quote} quote opened in ${key} is never closed`);
        index++;
        value += "\n";
        rest = lines[index] as string;
        i = 0;
        continue;
      }
      const char = rest[i] as string;
      if (char === quote) break;
      if (quote === '"' && char === "\\" && i + 1 < rest.length) {
        const next = rest[i + 1] as string;
        value += escapes[next] ?? `\\${next}`;
        i += 2;
        continue;
      }
      value += char;
      i++;
    }
    const after = rest.slice(i + 1).trim();
    if (after !== "" && !after.startsWith("#"))
      throw new DotenvSyntaxError(
        index + 1,
        `unexpected ${JSON.stringify(after.slice(0, 20))} after the closing ${quote} quote of ${key}`,
      );
    values.set(key, value);
  }
  return values;
}

/** A .env file that cannot be read, or holds a line that is not a setting. */
export class DotenvFileError extends Error {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : cause instanceof Error
              ? cause.message
              : String(cause);
    super(
      cause instanceof DotenvSyntaxError ? `${path}:${cause.line}: ${cause.reason}` : `cannot read ${path}: ${why}`,
    );
    this.name = "DotenvFileError";
    this.path = path;
  }
}

/**
 * The environment with a .env file's values filled in where the environment has none. A file
 * named by the caller must be there (a typo in its name would otherwise start the controller on
 * defaults); without one, ./.env is read when present.
 */
export function environmentWithDotenv(env: NodeJS.ProcessEnv, file?: string): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  const path = file ?? ".env";
  if (file === undefined && !existsSync(path)) return merged;
  let values: Map<string, string>;
  try {
    values = parseDotenv(readFileSync(path, "utf8"));
  } catch (error) {
    throw new DotenvFileError(path, error);
  }
  for (const [key, value] of values) {
    if (merged[key] === undefined) merged[key] = value;
  }
  return merged;
}
