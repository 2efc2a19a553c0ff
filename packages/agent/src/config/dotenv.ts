// A `.env` reader with the rules people expect from python-dotenv (the reference's loader):
// `KEY=value`, optional `export `, `#` comments (also after an unquoted value), single quotes
// taken literally, double quotes with \n \t \" \\ escapes. A line that is none of these is an
// error naming the line, not a silently ignored setting.

export class DotenvError extends Error {
  constructor(file: string, line: number, reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = "DotenvError";
  }
}

const ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

export function parseDotenv(text: string, file = ".env"): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new DotenvError(file, index + 1, `expected KEY=value, got "${line.slice(0, 40)}"`);
    const key = match[1] as string;
    const rest = match[2] as string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new DotenvError(file, index + 1, `unterminated ' quote in ${key}`);
      values[key] = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let value = "";
      let i = 1;
      for (; i < rest.length && rest[i] !== '"'; i++) {
        const char = rest[i] as string;
        if (char === "\\" && i + 1 < rest.length) {
          const next = rest[i + 1] as string;
          value += ESCAPES[next] ?? `\\${next}`;
          i++;
        } else {
          value += char;
        }
      }
      if (i >= rest.length) throw new DotenvError(file, index + 1, `unterminated " quote in ${key}`);
      values[key] = value;
    } else {
      values[key] = rest.startsWith("#") ? "" : rest.replace(/\s+#.*$/, "").trim();
    }
  });
  return values;
}
