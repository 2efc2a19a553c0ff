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

/** The environment with a .env file's values filled in where the environment has none. */
export function environmentWithDotenv(env: NodeJS.ProcessEnv, path = ".env"): Record<string, string | undefined> {
  const merged: Record<string, string | undefined> = { ...env };
  if (!existsSync(path)) return merged;
  for (const [key, value] of parseDotenv(readFileSync(path, "utf8"))) {
    if (merged[key] === undefined) merged[key] = value;
  }
  return merged;
}
