// Reads a .env file (KEY=value lines, # comments, optional quotes, `export ` prefix) into a map.
// Values already in the environment win, as with every dotenv loader operators know.

import { existsSync, readFileSync } from "node:fs";

export function parseDotenv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2] ?? "";
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.endsWith(quote) && value.length >= 2) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "");
    }
    values.set(match[1] as string, value);
  }
  return values;
}

/** A .env file that was asked for by name and cannot be read. */
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
    super(`cannot read ${path}: ${why}`);
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
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new DotenvFileError(path, error);
  }
  for (const [key, value] of parseDotenv(text)) {
    if (merged[key] === undefined) merged[key] = value;
  }
  return merged;
}
