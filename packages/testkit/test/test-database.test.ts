import pg from "pg";
import { describe, expect, it } from "vitest";
import { pgTestDatabase } from "../src/vitest-database.ts";

async function query(url: string, sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const migrate = async (url: string) => {
  await query(url, "CREATE TABLE widgets (id serial PRIMARY KEY, name text NOT NULL)");
};

describe("pgTestDatabase", () => {
  it("gives each caller its own migrated database, isolated from the others", async () => {
    await using a = await pgTestDatabase("testkit_demo", migrate);
    await using b = await pgTestDatabase("testkit_demo", migrate);
    expect(a.name).not.toBe(b.name);
    await query(a.url, "INSERT INTO widgets (name) VALUES ('only in a')");
    expect((await query(a.url, "SELECT count(*)::int AS n FROM widgets")).rows[0].n).toBe(1);
    expect((await query(b.url, "SELECT count(*)::int AS n FROM widgets")).rows[0].n).toBe(0);
  });

  it("drops the database when disposed", async () => {
    let url = "";
    {
      await using db = await pgTestDatabase("testkit_demo", migrate);
      url = db.url;
    }
    await expect(query(url, "SELECT 1")).rejects.toThrow(/does not exist/);
  });
});
