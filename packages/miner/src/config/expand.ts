// The one piece of shell syntax a miner config may use: `$(hostname)`, as in the seed's
// `MINER_ID="$(hostname)-gpu0"`. systemd's EnvironmentFile= passes it through literally, so the
// daemon expands it itself, for values from the file and from the environment alike.
// Anything else that a shell would expand (`$VAR`, `${VAR}`, other `$(…)`, backticks) is
// refused with a clear message rather than silently used as literal text; `\$` is a dollar.

export interface ExpandContext {
  hostname: () => string;
}

export class ExpandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpandError";
  }
}

const SUPPORTED = "only $(hostname) and $(hostname -s) are expanded; write \\$ for a literal dollar sign";

export function expandValue(value: string, context: ExpandContext): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === "\\" && value[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    if (ch === "`") throw new ExpandError(`backtick command substitution is not supported (${SUPPORTED})`);
    if (ch !== "$") {
      out += ch;
      continue;
    }
    const rest = value.slice(i);
    const known = /^\$\(\s*hostname(\s+-s)?\s*\)/.exec(rest);
    if (known) {
      const host = context.hostname();
      out += known[1] ? (host.split(".")[0] ?? host) : host;
      i += known[0].length - 1;
      continue;
    }
    const shown = /^\$(\([^)]*\)?|\{[^}]*\}?|[A-Za-z_][A-Za-z0-9_]*)?/.exec(rest)?.[0] ?? "$";
    throw new ExpandError(`${JSON.stringify(shown)} is shell syntax the miner does not run (${SUPPORTED})`);
  }
  return out;
}
