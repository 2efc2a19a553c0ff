import { describe, expect, it } from "vitest";
import { postgresProblem } from "./postgres-problem.ts";

const url = "postgres://app:secret@db.internal:6432/pithead";
const driverError = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message)), fields);

describe("postgresProblem", () => {
  it("names the setting and what to fix for a refused login, a missing database and missing rights", () => {
    const login = postgresProblem(
      driverError({ code: "28P01", message: 'password authentication failed for user "app"' }),
      url,
      "DATABASE_URL",
    );
    expect(login).toBe(
      'the PostgreSQL server in DATABASE_URL refused the login (password authentication failed for user "app"): check the user and password in the URL',
    );
    expect(
      postgresProblem(driverError({ code: "3D000", message: 'database "pithead" does not exist' }), url, "--db"),
    ).toMatch(/^the database in --db does not exist \(.*\): create it first, e\.g\. createdb pithead$/);
    expect(
      postgresProblem(driverError({ code: "42501", message: "permission denied for schema public" }), url, "--db"),
    ).toMatch(/^the user in --db may not create the tables it needs .*grant it CREATE/);
    for (const problem of [login]) expect(problem).not.toContain("secret");
  });

  it("blames the database server only for a network error about its own host and port", () => {
    const refused = driverError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 10.0.0.5:6432", port: 6432 });
    expect(postgresProblem(refused, url, "--postgres")).toBe(
      "cannot reach the PostgreSQL server in --postgres: is it running there? (connect ECONNREFUSED 10.0.0.5:6432)",
    );
    // The agent's LLM server refusing is not the database's doing.
    const llm = driverError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:8000", port: 8000 });
    expect(postgresProblem(llm, url, "DATABASE_URL")).toBeUndefined();
    // From the coordinator's engine thread only the code and the message arrive.
    const crossed = driverError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND db.internal" });
    expect(postgresProblem(crossed, url, "--db")).toMatch(/^cannot reach the PostgreSQL server in --db/);
    const other = driverError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND llm.internal" });
    expect(postgresProblem(other, url, "--db")).toBeUndefined();
    expect(postgresProblem(new Error("boom"), url, "--db")).toBeUndefined();
  });
});
