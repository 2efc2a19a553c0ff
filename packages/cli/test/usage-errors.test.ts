// A mistyped command line: one error line and where the help is, exit status 2, from every command;
// and flags that would have been silently ignored are refused, naming the flag.
import { describe, expect, it } from "vitest";
import { pithead } from "./support/run-pithead.ts";

/** Nothing here may reach a server: a URL nobody listens on makes a slip show as "cannot reach". */
const nowhere = ["--url", "http://127.0.0.1:1"];

describe("usage errors", () => {
  it("print the error and which --help to read, not the whole help", async () => {
    const [badPort, unknown, missing] = await Promise.all([
      pithead(["up", "--port", "abc"]),
      pithead(["ledger", "verify", "x", "--no-such-flag"]),
      pithead(["ledger", "verify"]),
    ]);
    expect(badPort.stderr.trim().split("\n")).toEqual([
      "error: option '--port <port>' argument 'abc' is invalid. must be a port number (0-65535)",
      "(see `pithead up --help`)",
    ]);
    expect(unknown.stderr.trim().split("\n")).toEqual([
      "error: unknown option '--no-such-flag'",
      "(see `pithead ledger verify --help`)",
    ]);
    expect(missing.stderr.trim().split("\n")).toEqual([
      "error: missing required argument 'path|url'",
      "(see `pithead ledger verify --help`)",
    ]);
  });

  it("--version names the commit of the checkout it runs from, so a bug report says which build", async () => {
    const version = await pithead(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^0\.1\.0 \(commit [0-9a-f]{12}\)$/);
  });

  it("exit with status 2, whichever check finds the bad value", async () => {
    const runs = await Promise.all([
      pithead(["up", "--port", "abc"]),
      pithead(["up", "--miners", "-1"]),
      pithead(["nosuch"]),
      pithead(["jobs", "get", "not-a-uuid", ...nowhere], { env: { PITHEAD_KEY: "k" } }),
      pithead(["jobs", "get", "01a202e5-1f38-72d2-966a-a0639720a295", "--url", "notaurl"], {
        env: { PITHEAD_KEY: "k" },
      }),
    ]);
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2, 2]);
  });

  it("are documented with the other exit statuses in pithead --help", async () => {
    const help = await pithead(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Exit status:\n {2}0 .*\n {2}1 .*\n {2}2 {4}the command line is wrong/);
    expect(help.stdout).not.toContain("all on one tamper-evident ledger");
  });
});

describe("flags that would be ignored", () => {
  it("jobs submit --quorum without --replicas is refused, not submitted unverified", async () => {
    const ran = await pithead(["jobs", "submit", "--workload", "llm_gen", "--quorum", "2", ...nowhere], {
      env: { PITHEAD_KEY: "k" },
    });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/^error: --quorum needs --replicas 2 or more/);
    expect(ran.stderr).not.toContain("cannot reach");
  });

  it("a --secret-file that is not there is a wrong command line (2), not a failed verification (1)", async () => {
    const missing = "/tmp/docfix-no-such-dir/op.secret";
    const runs = await Promise.all([
      pithead(["fleet", "cycle", "--operator", "default", "--secret-file", missing, ...nowhere]),
      pithead(["ledger", "verify", "http://127.0.0.1:1", "--operator", "default", "--secret-file", missing]),
    ]);
    expect(runs.map((run) => run.code)).toEqual([2, 2]);
    for (const run of runs) expect(run.stderr.trim()).toBe(`error: cannot use --secret-file: no such file: ${missing}`);
  });

  it("a --body-file that cannot be read is a wrong command line (2) too", async () => {
    const ran = await pithead([
      "fleet",
      "sign",
      "--operator",
      "default",
      "--secret",
      "abcdefghijklmnopqrstuvwxyz012345",
      "--method",
      "POST",
      "--path",
      "/loop/run-once",
      "--body-file",
      "/tmp/docfix-no-such-dir/body.json",
    ]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain("cannot read --body-file");
  });

  it("keys create --wallet is for client and miner keys; its help says what it does for a miner key", async () => {
    const ran = await pithead(["keys", "create", "--role", "admin", "--wallet", "w", ...nowhere], {
      env: { PITHEAD_ADMIN_KEY: "k" },
    });
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toBe("error: --wallet is for --role client or miner");
    const help = await pithead(["keys", "create", "--help"]);
    expect(help.stdout.replace(/\s+/g, " ")).toContain("a miner key: the only wallet its miner is paid into");
  });
});
