import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pathToFileURL } from "node:url";
import { pgTestDatabase } from "@pithead/testkit/vitest";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  loadMigrations,
  type Migration,
  MigrationError,
  migratePostgres,
  migrateSqlite,
  NewerDatabaseError,
} from "../src/index.ts";

const first: Migration = {
  version: 1,
  name: "widgets",
  sql: "CREATE TABLE widgets (id INTEGER PRIMARY KEY, name TEXT)",
};
const second: Migration = { version: 2, name: "widget_colour", sql: "ALTER TABLE widgets ADD COLUMN colour TEXT" };
const broken: Migration = { version: 3, name: "broken", sql: "ALTER TABLE widgets ADD COLUMN colour TEXT" };

describe("loadMigrations", () => {
  it("reads NNN_name.sql files in order and ignores other files", () => {
    const dir = mkdtempSync(join(tmpdir(), "pithead-sql-"));
    writeFileSync(join(dir, "002_second.sql"), "SELECT 2");
    writeFileSync(join(dir, "001_first.sql"), "SELECT 1");
    writeFileSync(join(dir, "README.md"), "not a migration");
    writeFileSync(join(dir, "3_bad_name.sql"), "SELECT 3");
    const migrations = loadMigrations(pathToFileURL(`${dir}/`));
    expect(migrations).toEqual([
      { version: 1, name: "first", sql: "SELECT 1" },
      { version: 2, name: "second", sql: "SELECT 2" },
    ]);
  });
});

describe("migrateSqlite", () => {
  it("applies each migration once, and a later plan only what is new", () => {
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db, { table: "demo_migrations", migrations: [first] });
    migrateSqlite(db, { table: "demo_migrations", migrations: [first, second] });
    migrateSqlite(db, { table: "demo_migrations", migrations: [first, second] });
    db.prepare("INSERT INTO widgets (name, colour) VALUES ('a', 'red')").run();
    const versions = db.prepare("SELECT version, name FROM demo_migrations ORDER BY version").all();
    expect(versions).toEqual([
      { version: 1, name: "widgets" },
      { version: 2, name: "widget_colour" },
    ]);
  });

  it("rolls a failing migration back and names it", () => {
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db, { table: "demo_migrations", migrations: [first, second] });
    expect(() => migrateSqlite(db, { table: "demo_migrations", migrations: [first, second, broken] })).toThrow(
      /demo_migrations: migration 3 \(broken\) failed/,
    );
    expect(db.prepare("SELECT count(*) AS n FROM demo_migrations").get()).toEqual({ n: 2 });
  });

  it("refuses a database a newer release migrated (a rollback), naming what to do, and changes nothing", () => {
    const db = new DatabaseSync(":memory:");
    migrateSqlite(db, { table: "demo_migrations", migrations: [first, second] });
    expect(() => migrateSqlite(db, { table: "demo_migrations", migrations: [first] })).toThrow(
      "demo_migrations: this database was migrated by a newer Pithead (migration 2; this version knows up to 1): run the newer version again, or restore a backup taken before the upgrade",
    );
    expect(() => migrateSqlite(db, { table: "demo_migrations", migrations: [first] })).toThrow(NewerDatabaseError);
    expect(db.prepare("SELECT count(*) AS n FROM demo_migrations").get()).toEqual({ n: 2 });
  });

  it("refuses a table name that is not a plain identifier", () => {
    const db = new DatabaseSync(":memory:");
    expect(() => migrateSqlite(db, { table: "x; DROP TABLE y", migrations: [] })).toThrow(/table name/);
  });
});

describe("migratePostgres", () => {
  it("applies once even when several processes migrate at the same moment", async () => {
    await using db = await pgTestDatabase("sql_empty", async () => {});
    const clients = await Promise.all(
      [1, 2, 3].map(async () => {
        const client = new pg.Client({ connectionString: db.url });
        await client.connect();
        return client;
      }),
    );
    try {
      await Promise.all(
        clients.map((client) => migratePostgres(client, { table: "demo_migrations", migrations: [first, second] })),
      );
      const [client] = clients;
      const rows = (await client!.query("SELECT version FROM demo_migrations ORDER BY version")).rows;
      expect(rows.map((row) => row.version)).toEqual([1, 2]);
      const failure = await migratePostgres(client!, {
        table: "demo_migrations",
        migrations: [first, second, broken],
      }).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MigrationError);
      expect((await client!.query("SELECT count(*)::int AS n FROM demo_migrations")).rows[0].n).toBe(2);
      // A rollback to a release that knows only the first migration is refused.
      const rollback = await migratePostgres(client!, { table: "demo_migrations", migrations: [first] }).catch(
        (error: unknown) => error,
      );
      expect(rollback).toBeInstanceOf(NewerDatabaseError);
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  });
});
