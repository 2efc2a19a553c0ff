// DATABASE_URL: `sqlite:///relative/path.db`, `sqlite:////absolute/path.db` and
// `sqlite:///:memory:` as the reference (SQLAlchemy URLs), or `postgres://` / `postgresql://`.

import { resolve } from "node:path";

export type DatabaseLocation = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string };

/** Undefined when the URL is neither form; the config loader turns that into an error naming the key. */
export function parseDatabaseUrl(url: string, cwd = process.cwd()): DatabaseLocation | undefined {
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", url };
  const match = /^sqlite:\/\/\/(.+)$/.exec(url);
  if (!match?.[1]) return undefined;
  const path = match[1];
  if (path === ":memory:") return { kind: "sqlite", path };
  // sqlite:////abs → "/abs"; sqlite:///./rel → "./rel" relative to the working directory.
  return { kind: "sqlite", path: resolve(cwd, path) };
}
