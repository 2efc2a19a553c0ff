// Who may read the agent's SQLite database (every conversation and playbook): the agent's user
// alone, under the usual umask 022 — the folder 0700, the database and its -wal/-shm files 0600.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ChatModel } from "../src/index.ts";
import { request, startTestAgent } from "./support/agent-harness.ts";

const root = mkdtempSync(join(tmpdir(), "pithead-agent-perms-"));
let umask: number;
beforeEach(() => {
  umask = process.umask(0o022);
});
afterEach(() => {
  process.umask(umask);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const model: ChatModel = {
  info: () => ({ provider: "test", model: "echo" }),
  generate: async () => ({ text: '{"immediate_response":"ok","notebook":"no update"}', finishReason: "stop" }),
};

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** The modes of a folder's entries, by name. */
const modes = (folder: string) =>
  Object.fromEntries(readdirSync(folder).map((name) => [name, mode(join(folder, name))]));

async function startIn(dataDir: string, database: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const agent = await startTestAgent(
    { DATA_DIR: dataDir, DATABASE_URL: `sqlite:///${database}` },
    { model, logger: { level: "warn", stream } },
  );
  // A stored exchange: the write-ahead log holds conversations too.
  expect((await agent.post("/complete", request())).status).toBe(200);
  return { agent, lines };
}

describe("the agent's data on disk", () => {
  it("creates its data folder 0700 and the database, -wal and -shm 0600", async () => {
    const data = join(root, "fresh", "data");
    const { agent } = await startIn(data, join(data, "miner_api.db"));
    await using _ = agent;
    expect(mode(join(root, "fresh"))).toBe("700");
    expect(mode(data)).toBe("700");
    expect(modes(data)).toEqual({ "miner_api.db": "600", "miner_api.db-wal": "600", "miner_api.db-shm": "600" });
  });

  it("tightens its own data folder and database files left open by an older version", async () => {
    const data = join(root, "upgraded", "data");
    mkdirSync(data, { recursive: true, mode: 0o755 });
    const database = join(data, "miner_api.db");
    const old = new DatabaseSync(database);
    old.exec("PRAGMA journal_mode = WAL; CREATE TABLE left_over (x); INSERT INTO left_over VALUES (1);");
    for (const file of [database, `${database}-wal`, `${database}-shm`]) chmodSync(file, 0o644);
    const { agent, lines } = await startIn(data, database);
    await using _ = agent;
    old.close();
    expect(mode(data)).toBe("700");
    expect(modes(data)).toEqual({ "miner_api.db": "600", "miner_api.db-wal": "600", "miner_api.db-shm": "600" });
    expect(lines.join("")).toBe("");
  });

  it("leaves a folder that is not its own as it is, says so once, and still keeps the files 0600", async () => {
    const shared = join(root, "shared");
    mkdirSync(shared, { mode: 0o755 });
    const { agent, lines } = await startIn(join(root, "elsewhere"), join(shared, "agent.db"));
    await using _ = agent;
    expect(mode(shared)).toBe("755");
    expect(modes(shared)).toEqual({ "agent.db": "600", "agent.db-wal": "600", "agent.db-shm": "600" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: 40,
      msg: `the database folder ${shared} is open to other users (mode 755); the database files are kept 0600, but \`chmod 700 ${shared}\` hides them too`,
    });
  });

  it("refuses a DATABASE_URL naming a file that is not a database, leaving its mode and content as they were", async () => {
    // As DATABASE_URL=sqlite:////etc/passwd did: made 0600 (readable by root alone), then refused.
    const folder = join(root, "etc");
    mkdirSync(folder, { mode: 0o755 });
    const file = join(folder, "passwd");
    writeFileSync(file, "root:x:0:0:root:/root:/bin/bash\n", { mode: 0o644 });
    chmodSync(file, 0o644);
    const refused = await startIn(join(root, "data-etc"), file).then(
      () => undefined,
      (error: unknown) => error as Error & { key?: string },
    );
    expect(refused?.name).toBe("ConfigError");
    expect(refused?.key).toBe("DATABASE_URL");
    expect(refused?.message).toBe(
      `DATABASE_URL: ${file} is not a SQLite database (it does not begin with SQLite's header); it is left as it was`,
    );
    expect(mode(file)).toBe("644");
    expect(readFileSync(file, "utf8")).toBe("root:x:0:0:root:/root:/bin/bash\n");
    expect(readdirSync(folder)).toEqual(["passwd"]);
  });
});
