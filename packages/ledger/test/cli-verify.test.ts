// `pithead ledger verify` and its neighbours on inputs that must not pass or must be named: an export
// re-signed with another key, a ledger with no checkpoints, a server or file that is not an export,
// torn tails the writer moved aside, damaged partitions, and the exit code of each outcome
// (1 verification failed, 2 command line wrong, 3 could not run).
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportPartition, type Ledger, ledgerRoutes, openLedger, signerFromPrivateKey } from "../src/index.ts";
import { pemFromSeed, tempDir } from "./helpers.ts";
import { pithead } from "./ledger-cli.ts";

const ORIGIN = "pithead.test/cli";
const realPem = pemFromSeed(Buffer.alloc(32, 7));
const real = signerFromPrivateKey(realPem, ORIGIN);
// Someone else's key under the same name: what a forger re-signs a rewritten history with.
const evilPem = pemFromSeed(Buffer.alloc(32, 66));
const evil = signerFromPrivateKey(evilPem, ORIGIN);

const dir = tempDir("pithead-cli-verify-");
const path = (name: string) => join(dir.path, name);
const realKey = path("real.key");
const evilKey = path("evil.key");

async function storeOf(
  name: string,
  signer: typeof real | undefined,
  records: number,
  checkpointAt?: number,
): Promise<string> {
  const store = path(name);
  const ledger = await openLedger({ store: "jsonl", dir: store, ...(signer ? { signer } : {}) });
  for (let i = 0; i < records; i++) {
    await ledger.append("ops", "fleet.decision", { i, note: `decision ${i}` });
    if (checkpointAt === i + 1) await ledger.checkpoint("ops");
  }
  await ledger.close();
  return store;
}

async function exportOf(store: string, signer: typeof real, file: string): Promise<string> {
  const ledger = await openLedger({ store: "jsonl", dir: store, signer });
  await exportPartition(ledger, "ops", file);
  await ledger.close();
  return file;
}

const errorLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("error:"));

/** A server of one ledger's routes, and a few answers that are not an export. */
async function serve(ledger: Ledger) {
  const app = Fastify();
  await app.register(ledgerRoutes, { ledger, prefix: "/v1" });
  app.get("/empty/export", (_request, reply) => reply.type("application/x-ndjson").send(""));
  app.get("/html/export", (_request, reply) =>
    reply.type("text/html").send("<!doctype html><html><body>Login</body></html>\n"),
  );
  app.get("/other/export", (_request, reply) => reply.type("application/x-ndjson").send('{"hello":"world"}\n'));
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

let genuine: string;
let forged: string;

beforeAll(async () => {
  writeFileSync(realKey, realPem, { mode: 0o600 });
  writeFileSync(evilKey, evilPem, { mode: 0o600 });
  genuine = await exportOf(await storeOf("genuine", real, 12, 12), real, path("genuine.jsonl"));
  forged = await exportOf(await storeOf("forged", evil, 12, 12), evil, path("forged.jsonl"));
});
afterAll(() => dir[Symbol.dispose]());

describe("verify --key-file on an export file or URL", () => {
  it("checks an export against the key file given, not the key the export names", async () => {
    const good = await pithead("verify", genuine, "--key-file", realKey);
    expect([good.code, good.stderr]).toEqual([0, ""]);
    expect(good.stdout).toContain(`checkpoint signatures checked with ${realKey}`);
    expect(good.stdout).not.toContain("key named inside the file");

    const bad = await pithead("verify", forged, "--key-file", realKey);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✖ ops: .*FAILED/);
    expect(bad.stdout).toContain(`stored checkpoint of size 12 is not signed by ${ORIGIN}`);
  });

  it("checks a server's export against the key file given", async () => {
    const ledger = await openLedger({ store: "jsonl", dir: path("forged"), signer: evil });
    const server = await serve(ledger);
    try {
      const bad = await pithead("verify", server.url, "--partition", "ops", "--key-file", realKey);
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain(`is not signed by ${ORIGIN}`);
      const theirs = await pithead("verify", server.url, "--partition", "ops", "--key-file", evilKey);
      expect(theirs.code).toBe(0);
    } finally {
      await server.close();
      await ledger.close();
    }
  });
});

describe("records no signed checkpoint covers", () => {
  it("fails a store with no checkpoints when a key is given: nothing vouches for its records", async () => {
    const store = await storeOf("no-checkpoints", undefined, 5);
    const failed = await pithead("verify", store, "--key-file", realKey);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      "first bad record: 0: none of the 5 records is covered by a signed checkpoint: nothing vouches for them (the ledger has no checkpoints: never made, or removed)",
    );
    // Without a key to trust, it is said, not failed.
    const unkeyed = await pithead("verify", store, "--json");
    expect(unkeyed.code).toBe(0);
    expect(JSON.parse(unkeyed.stdout).reports[0].warnings).toContain(
      "none of the 5 records is covered by a signed checkpoint: nothing vouches for them (the ledger has no checkpoints: never made, or removed)",
    );
  });

  it("fails an export whose checkpoint lines were removed, under the log's key", async () => {
    const stripped = path("stripped.jsonl");
    const lines = readFileSync(genuine, "utf8").split("\n");
    writeFileSync(stripped, lines.filter((line) => !line.startsWith('{"checkpoint"')).join("\n"));
    const failed = await pithead("verify", stripped, "--key", real.verifierKey, "--json");
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).reports[0]).toMatchObject({
      ok: false,
      checkpoints: 0,
      covered: 0,
      firstBad: { seq: 0, reason: expect.stringContaining("nothing vouches for them") },
    });
  });

  it("names the records after the last checkpoint in a warning, and passes", async () => {
    const store = await storeOf("tail", real, 14, 12);
    writeFileSync(join(store, "ledger.key"), realPem, { mode: 0o600 });
    const verified = await pithead("verify", store, "--json");
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).reports[0]).toMatchObject({ ok: true, covered: 12, records: 14 });
    expect(JSON.parse(verified.stdout).reports[0].warnings).toEqual([
      "records 12..13 are covered by no signed checkpoint yet (the last checkpoint that matched has size 12): normal between checkpoints, but nothing vouches for them until the next one",
    ]);
  });
});

describe("what is not a ledger export is refused, in one line (exit 3)", () => {
  it("a server answering an empty body, a web page or other JSON", async () => {
    const ledger = await openLedger({ store: "jsonl", dir: path("genuine"), signer: real });
    const server = await serve(ledger);
    try {
      const empty = await pithead("verify", `${server.url}/empty/export`);
      expect([empty.code, empty.stdout]).toEqual([3, ""]);
      // One error line (after the download's progress line).
      expect(errorLines(empty.stderr)).toEqual([
        `error: ${server.url}/empty/export is not a Pithead ledger export (the response is empty)`,
      ]);
      const html = await pithead("verify", `${server.url}/html/export`);
      expect(html.code).toBe(3);
      expect(html.stderr).toMatch(/^error: .*\/html\/export is not a Pithead ledger export \(it answered text\/html/);
      const other = await pithead("verify", `${server.url}/other/export`);
      expect(other.code).toBe(3);
      expect(other.stderr).toMatch(/is not a Pithead ledger export \(it does not start with an export header\)\n$/);
    } finally {
      await server.close();
      await ledger.close();
    }
  });

  it("an empty file, or a file that is no ledger at all", async () => {
    const empty = path("empty.jsonl");
    writeFileSync(empty, "");
    const refused = await pithead("verify", empty);
    expect([refused.code, refused.stdout, refused.stderr]).toEqual([
      3,
      "",
      `error: ${empty} is not a Pithead ledger export (it is empty)\n`,
    ]);
    const passwd = path("passwd");
    writeFileSync(passwd, "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/:/usr/sbin/nologin\nbin:x:2:2::/bin:\n");
    const notLedger = await pithead("verify", passwd);
    expect([notLedger.code, notLedger.stderr]).toEqual([
      3,
      `error: ${passwd} is not a Pithead ledger export (its first line is neither an export header nor a ledger record)\n`,
    ]);
  });
});

describe("torn tails", () => {
  it("append and checkpoint say on stderr what they moved aside; verify names the files left beside", async () => {
    const store = path("torn");
    const append = (n: number) =>
      pithead("append", store, "--partition", "ops", "--type", "ops.note", "--body", JSON.stringify({ n }));
    expect((await append(0)).code).toBe(0);
    const records = join(store, "ops.ledger", "records.jsonl");
    appendFileSync(records, '{"at":"20');
    const repaired = await append(1);
    expect(repaired.code).toBe(0);
    expect(repaired.stderr).toMatch(
      new RegExp(
        `^warning: ledger partition "ops": .*: moved the last 9 bytes of ${records.replaceAll(".", "\\.")} to ${records.replaceAll(".", "\\.")}\\.torn-\\S+\\n$`,
      ),
    );
    expect(repaired.stdout).toMatch(/^appended ops #1 /);

    writeFileSync(join(store, "ledger.key"), realPem, { mode: 0o600 });
    expect((await pithead("checkpoint", store, "--origin", ORIGIN)).code).toBe(0);
    expect((await append(2)).code).toBe(0);
    const checkpoints = join(store, "ops.ledger", "checkpoints.jsonl");
    appendFileSync(checkpoints, '{"note":"pith');
    const signed = await pithead("checkpoint", store);
    expect(signed.code).toBe(0);
    expect(signed.stderr).toMatch(
      /^warning: ledger partition "ops": .*moved the last 13 bytes of .*checkpoints\.jsonl to /,
    );

    const torn = readdirSync(join(store, "ops.ledger")).filter((name) => name.includes(".torn-"));
    expect(torn).toHaveLength(2);
    const verified = await pithead("verify", store, "--json");
    expect(verified.code).toBe(0);
    const [warning] = JSON.parse(verified.stdout).reports[0].warnings as string[];
    expect(warning).toMatch(/^2 torn tails moved aside by a writer after a crash lie beside the partition/);
    for (const name of torn) expect(warning).toContain(name);
  });
});

describe("exit codes: 1 verification failed, 2 command line wrong, 3 could not run", () => {
  it("a server that cannot be reached, or a store whose writer is running, is 3", async () => {
    const app = Fastify();
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    await app.close();
    const unreachable = await pithead("verify", url);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);

    const store = await storeOf("locked", undefined, 1);
    const writer = await openLedger({ store: "jsonl", dir: store });
    await writer.openWriter("ops");
    try {
      const locked = await pithead("append", store, "--partition", "ops", "--type", "ops.note", "--body", "{}");
      expect(locked.code).toBe(3);
      expect(locked.stderr).toMatch(/already has a writer/);
    } finally {
      await writer.close();
    }
  });

  it("show prints the records before damage then the error (1); proof says the partition is damaged", async () => {
    const store = await storeOf("damaged", real, 10, 10);
    const records = join(store, "ops.ledger", "records.jsonl");
    const lines = readFileSync(records, "utf8").split("\n");
    lines.splice(5, 1);
    writeFileSync(records, lines.join("\n"));

    const shown = await pithead("show", store, "--from", "2");
    expect(shown.code).toBe(1);
    expect(shown.stdout.split("\n").map((line) => line.split(" ")[0])).toEqual(["#2", "#3", "#4", ""]);
    expect(shown.stderr).toMatch(/^error: partition "ops" is damaged: .*run `pithead ledger verify`/);

    const proof = await pithead("proof", store, "7");
    expect([proof.code, proof.stdout]).toEqual([1, ""]);
    expect(proof.stderr).toBe(
      "error: partition ops is damaged: its latest checkpoint covers 10 records, but only the first 5 can be read; run `pithead ledger verify` to see what is wrong\n",
    );
    expect((await pithead("verify", store)).code).toBe(1);
  });

  it("says the exit codes in its help", async () => {
    const help = await pithead("verify", "--help");
    expect(help.stdout).toMatch(
      /Exit codes: 0 done .* 1 verification failed .*\s2 the command line is wrong( \([^)]*\))?;\s3 the command could not run/s,
    );
  });
});

describe("inputs that are wrong are named as such", () => {
  it("a URL with credentials is refused without repeating them", async () => {
    const refused = await pithead("verify", "http://admin:s3cret@127.0.0.1:9/");
    expect(refused.code).toBe(2);
    expect(refused.stderr).not.toContain("s3cret");
    expect(refused.stderr).not.toContain("cannot reach");
    expect(refused.stderr).toBe(
      "error: credentials in a URL are not supported (http://127.0.0.1:9/ with a user and password): pass them with --header, e.g. --header 'Authorization: Basic …'\n",
    );
  });

  it("https:// against a plain HTTP server is a sentence, not OpenSSL's error string", async () => {
    const app = Fastify();
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const refused = await pithead("verify", url.replace("http:", "https:"));
      expect(refused.code).toBe(3);
      const host = new URL(url).host;
      expect(refused.stderr).toBe(
        `error: cannot reach https://${host}: the TLS handshake failed (ERR_SSL_WRONG_VERSION_NUMBER): does the server speak plain HTTP? Then use http://${host}\n`,
      );
    } finally {
      await app.close();
    }
  });

  it("a key beside the store that cannot be read: says to pass --key", async () => {
    const store = await storeOf("unreadable-key", real, 3, 3);
    // Root reads any file: a folder stands in for a key file this reader cannot read.
    mkdirSync(join(store, "ledger.key"), { mode: 0o700 });
    const refused = await pithead("verify", store);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(
      /^error: cannot use the key kept beside the store to check ops's checkpoints: .*EISDIR/,
    );
    expect(refused.stderr).toContain("Pass its verifier key with --key <name>+<id>+<key>");
    const withKey = await pithead("verify", store, "--key", real.verifierKey);
    expect(withKey.code).toBe(0);
  });

  it("an export asked for a partition it does not hold", async () => {
    const refused = await pithead("verify", genuine, "--partition", "fleet/zzz");
    expect([refused.code, refused.stderr]).toEqual([2, `error: ${genuine} holds partition ops, not fleet/zzz\n`]);
  });

  it("a --checkpoint of another ledger is refused as input, naming both origins", async () => {
    const other = signerFromPrivateKey(realPem, "pithead.test/other");
    const theirs = await openLedger({ store: "jsonl", dir: path("other"), signer: other });
    await theirs.append("ops", "fleet.decision", { i: 0 });
    const { note } = await theirs.checkpoint("ops");
    await theirs.close();
    writeFileSync(path("other.cp"), note);
    for (const target of [path("genuine"), genuine]) {
      const refused = await pithead("verify", target, "--key", real.verifierKey, "--checkpoint", path("other.cp"));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toBe(
        `error: --checkpoint ${path("other.cp")} is for origin pithead.test/other/ops, but the ledger's (ops) is ${ORIGIN}/ops: it is a checkpoint of another ledger or partition\n`,
      );
    }
  });

  it("checkpoint --origin that is refused leaves no new key behind", async () => {
    const store = await storeOf("bad-origin", undefined, 2);
    const refused = await pithead("checkpoint", store, "--origin", "bad origin");
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/origin "bad origin" must be non-empty and contain no spaces/);
    expect(existsSync(join(store, "ledger.key"))).toBe(false);
  });
});
