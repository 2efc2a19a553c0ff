// `pithead agent credentials sign|verify` as an operator runs them:
// the real CLI in a child process, secrets on stdin, files on disk.

import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const CLI = new URL("../../cli/bin/pithead.js", import.meta.url).pathname;
const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
const MNEMONIC = "bottom drive obey lake curtain smoke basket hold race lonely fit walk";
const ADDRESS = "5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV";
const dir = mkdtempSync(join(tmpdir(), "pithead-agent-cli-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pithead(args: string[], input = "", env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    input,
    cwd: dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("pithead agent credentials", () => {
  it("signs with a mnemonic read from stdin, writes a private file, and verifies it", () => {
    const file = join(dir, "signed_credentials.txt");
    const signed = pithead(
      [
        "agent",
        "credentials",
        "sign",
        "--api-url",
        "https://miner.example.com",
        "--token",
        "tok-123-0123456789",
        "--mnemonic",
        "-o",
        file,
      ],
      `${MNEMONIC}\n`,
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect(signed.stderr).toContain(`Signed by ${ADDRESS}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const text = readFileSync(file, "utf8");
    expect(text).toMatch(
      new RegExp(
        `^https://miner\\.example\\.com<seperate>tok-123-0123456789\\n\\tSigned by: ${ADDRESS}\\n\\tSignature: [0-9a-f]{128}\\n\\tTimestamp: .+\\n$`,
      ),
    );

    const verified = pithead(["agent", "credentials", "verify", file]);
    expect(verified.code).toBe(0);
    const [first, when] = verified.stdout.split("\n");
    expect(first).toBe(`✔ valid: https://miner.example.com signed by ${ADDRESS}`);
    // When it was signed, and how long ago, said to be outside the signature.
    expect(when).toMatch(
      /^ {2}signed at \d{4}-\d\d-\d\dT[\d:.]+ \(.+\), \d+ seconds? ago \(not covered by the signature\)$/,
    );

    writeFileSync(join(dir, "tampered.txt"), text.replace("tok-123-0123456789", "tok-124"));
    const tampered = pithead(["agent", "credentials", "verify", "tampered.txt", "--json"]);
    expect(tampered.code).toBe(1);
    const report = JSON.parse(tampered.stdout);
    expect(report).toMatchObject({ valid: false, address: ADDRESS, signed_at: { signed: false } });
    expect(report.signed_at.age_s).toBeGreaterThanOrEqual(0);
    // The token is the agent's API key: --json names it by a fingerprint, never prints it.
    expect(tampered.stdout).not.toContain("tok-124");
    expect(report.token_fingerprint).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it("signs the API URL without a trailing slash, and says so", () => {
    const signed = pithead(
      [
        "agent",
        "credentials",
        "sign",
        "--api-url",
        "http://203.0.113.7:8001/",
        "--token-env",
        "TOKEN",
        "--mnemonic",
        "--json",
      ],
      `${MNEMONIC}\n`,
      { TOKEN: "tok-slash-0123456789" },
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect((JSON.parse(signed.stdout) as { text: string }).text).toMatch(
      /^http:\/\/203\.0\.113\.7:8001<seperate>tok-slash-0123456789\n/,
    );
    expect(signed.stderr).toContain("signing http://203.0.113.7:8001 (without the trailing slash");
  });

  it("signs with an unencrypted coldkey file and takes the token from API_KEY in .env", () => {
    writeFileSync(join(dir, ".env"), "API_KEY=key-from-dotenv-0123\n");
    const signed = pithead([
      "agent",
      "credentials",
      "sign",
      "--api-url",
      "http://203.0.113.7:8001",
      "--coldkey",
      join(FIXTURES, "coldkey-private-key-only"),
      "--json",
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    const result = JSON.parse(signed.stdout) as { address: string; text: string };
    expect(result.address).toBe(ADDRESS);
    expect(result.text.split("\n")[0]).toBe("http://203.0.113.7:8001<seperate>key-from-dotenv-0123");
    rmSync(join(dir, ".env"));
  });

  it("fails with one clear line on bad input", () => {
    const token = { TOKEN: "tok-bad-input-0123456789" };
    const noSource = pithead(
      ["agent", "credentials", "sign", "--api-url", "https://m.example", "--token-env", "TOKEN"],
      "",
      token,
    );
    // A value missing, malformed or clashing is a command-line error: exit 2, as in the rest of the CLI.
    expect(noSource.code).toBe(2);
    expect(noSource.stderr).toBe(
      "error: choose one key source: --wallet <name>, --coldkey <file>, --mnemonic, --seed or --secret-env <VAR>\n",
    );
    // A bad URL is refused before any secret is read; a bad seed is named as a seed, not as a mnemonic.
    const badUrl = pithead(
      ["agent", "credentials", "sign", "--api-url", "miner.example", "--token-env", "TOKEN", "--seed"],
      "",
      token,
    );
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/api_url must be an http\(s\) URL, got "miner\.example"/);
    const badSeed = pithead(
      ["agent", "credentials", "sign", "--api-url", "https://m.example", "--token-env", "TOKEN", "--seed"],
      "nothex\n",
      token,
    );
    expect(badSeed.code).toBe(2);
    expect(badSeed.stderr).toMatch(/the seed must be 32 bytes of hex/);
  });

  it("refuses a token the agent would refuse as API_KEY and a URL the portal cannot append /complete to, signing nothing", () => {
    const SEED = { SEED: `0x${"ab".repeat(32)}` };
    const sign = (url: string, env: Record<string, string>) =>
      pithead(["agent", "credentials", "sign", "--api-url", url, "--seed", "--secret-env", "SEED", "--json"], "", {
        ...SEED,
        ...env,
      });
    const short = sign("https://m.example.com", { API_KEY: "abc" });
    expect(short.code).toBe(2);
    expect(short.stdout).toBe("");
    expect(short.stderr).toBe(
      "error: the token is the agent's API_KEY, and it must be at least 16 characters (got 3): a short key can be guessed. make one with `npx pithead agent new-key` (token)\n",
    );
    const placeholder = sign("https://m.example.com", { API_KEY: "your-secure-api-key" });
    expect(placeholder.code).toBe(2);
    expect(placeholder.stderr).toMatch(/it is still the example placeholder/);
    for (const url of ["https://m.example.com/x?y=1#z", "https://m.example.com/x?y=1", "https://m.example.com/x#"]) {
      const refused = sign(url, { API_KEY: "key-of-the-agent-0123" });
      expect(refused.code, url).toBe(2);
      expect(refused.stdout, url).toBe("");
      expect(refused.stderr, url).toMatch(
        /^error: api_url must not have a query or fragment .*appends \/complete.* \(api_url\)\n$/,
      );
    }
    // The same seed and a good key and URL sign.
    expect(sign("https://m.example.com/x", { API_KEY: "key-of-the-agent-0123" }).code).toBe(0);
  });

  it("names --password-env or a terminal when an encrypted coldkey gets no password, and an empty variable as empty", () => {
    const sign = ["agent", "credentials", "sign", "--api-url", "https://m.example", "--token-file", "token.txt"];
    writeFileSync(join(dir, "token.txt"), "tok-file-0123456789\n");
    const coldkey = ["--coldkey", join(FIXTURES, "coldkey-nacl")];
    // No terminal and nothing on stdin (a service, a script): no hash-wasm "Password must be specified".
    const nothing = pithead([...sign, ...coldkey], "");
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(
      /^error: no password for the encrypted coldkey .*coldkey-nacl: stdin is not a terminal/,
    );
    expect(nothing.stderr).toContain("--password-env <VAR>");
    expect(nothing.stderr).not.toMatch(/must be specified/i);

    const empty = pithead([...sign, ...coldkey, "--password-env", "PW"], "", { PW: "" });
    expect(empty.stderr).toBe("error: the environment variable PW (--password-env) is empty\n");
    const unset = pithead([...sign, ...coldkey, "--password-env", "PW"]);
    expect(unset.stderr).toBe("error: the environment variable PW (--password-env) is not set\n");
    expect([empty.code, unset.code]).toEqual([2, 2]);
    // A password that does not open the coldkey is no command-line error: the keyfile refused it (1).
    const wrong = pithead([...sign, ...coldkey, "--password-env", "PW"], "", { PW: "not-the-password" });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: wrong password for this keyfile/m);
    const noMnemonic = pithead([...sign, "--secret-env", "WORDS"], "", { WORDS: "" });
    expect(noMnemonic.stderr).toBe("error: the environment variable WORDS (--secret-env) is empty\n");
  });

  it("takes the .env file as --dotenv (Node 24 itself claims --env-file), and names the option for a missing one", () => {
    writeFileSync(join(dir, "agent.env"), "API_KEY=key-from-named-file\n");
    const signed = pithead([
      "agent",
      "credentials",
      "sign",
      "--api-url",
      "http://203.0.113.7:8001",
      "--coldkey",
      join(FIXTURES, "coldkey-private-key-only"),
      "--dotenv",
      "agent.env",
      "--json",
    ]);
    expect(signed.code, signed.stderr).toBe(0);
    expect((JSON.parse(signed.stdout) as { text: string }).text).toMatch(
      /^http:\/\/203\.0\.113\.7:8001<seperate>key-from-named-file\n/,
    );

    const missing = ["--dotenv", "/nope/.env"];
    const start = pithead(["agent", "start", ...missing], "", { API_KEY: "k" });
    expect(start.code).toBe(2);
    expect(start.stderr).toBe("error: --dotenv: /nope/.env does not exist\n");
    const sign = pithead(["agent", "credentials", "sign", "--api-url", "https://m.example", ...missing, "--seed"]);
    expect(sign.code).toBe(2);
    expect(sign.stderr).toBe("error: --dotenv: /nope/.env does not exist\n");
    expect(pithead(["agent", "start", "--help"]).stdout).toContain("--dotenv <file>");
  });
  it("refuses an --output it cannot write before asking for a secret, naming the user's path", () => {
    const sign = ["agent", "credentials", "sign", "--api-url", "https://m.example", "--token", "tok-out-0123456789"];
    const missing = join(dir, "no-such-folder", "creds.txt");
    const noFolder = pithead([...sign, "--mnemonic", "-o", missing], `${MNEMONIC}\n`);
    expect(noFolder.code).toBe(2);
    expect(noFolder.stderr).toContain(`error: --output: the folder ${join(dir, "no-such-folder")} does not exist`);
    // Before: the mnemonic was read and used, then "ENOENT … open '…/.creds.txt.1234.ab12cd34.tmp'".
    expect(noFolder.stderr).not.toMatch(/\.tmp|ENOENT/);
    const folder = pithead([...sign, "--mnemonic", "-o", dir], `${MNEMONIC}\n`);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`error: --output: ${dir} is a folder`);
  });

  it("refuses to overwrite an existing --output without --force, naming it, before asking for a secret", () => {
    const file = join(dir, "registered_credentials.txt");
    writeFileSync(file, "the credentials registered last month\n");
    const sign = ["agent", "credentials", "sign", "--api-url", "https://m.example", "--token", "tok-out-0123456789"];
    // No mnemonic on stdin: had it been asked for, the error would be about the mnemonic.
    const refused = pithead([...sign, "--mnemonic", "-o", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`error: --output: ${file} already exists: give --force to replace it\n`);
    expect(readFileSync(file, "utf8")).toBe("the credentials registered last month\n");
    const alone = pithead([...sign, "--mnemonic", "--force"]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain("error: --force replaces an --output file: give --output too\n");
  });

  it("leaves the credentials file mode 600 when it overwrites one that others could read", () => {
    const file = join(dir, "existing_credentials.txt");
    writeFileSync(file, "an older file\n");
    chmodSync(file, 0o644);
    const signed = pithead(
      ["agent", "credentials", "sign", "--api-url", "https://miner.example.com", "--mnemonic", "-o", file, "--force"],
      `${MNEMONIC}\n`,
      { API_KEY: "key-of-the-agent-0123" },
    );
    expect(signed.code, signed.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toMatch(/^https:\/\/miner\.example\.com<seperate>key-of-the-agent-0123\n/);
  });

  it("takes the token from --token-env or --token-file, and warns that --token shows it to ps", () => {
    const sign = ["agent", "credentials", "sign", "--api-url", "https://m.example", "--mnemonic", "--json"];
    const firstLine = (stdout: string) => (JSON.parse(stdout) as { text: string }).text.split("\n")[0];
    const fromEnv = pithead([...sign, "--token-env", "MINER_TOKEN"], `${MNEMONIC}\n`, {
      MINER_TOKEN: "tok-env-0123456789",
    });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    expect(fromEnv.stderr).toBe("");
    expect(firstLine(fromEnv.stdout)).toBe("https://m.example<seperate>tok-env-0123456789");

    writeFileSync(join(dir, "miner.token"), "tok-file-0123456789\n");
    const fromFile = pithead([...sign, "--token-file", "miner.token"], `${MNEMONIC}\n`);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(firstLine(fromFile.stdout)).toBe("https://m.example<seperate>tok-file-0123456789");

    const onCommandLine = pithead([...sign, "--token", "tok-arg-0123456789"], `${MNEMONIC}\n`);
    expect(onCommandLine.code, onCommandLine.stderr).toBe(0);
    expect(firstLine(onCommandLine.stdout)).toBe("https://m.example<seperate>tok-arg-0123456789");
    expect(onCommandLine.stderr).toMatch(/^warning: --token puts the API key on the command line.*--token-env/);

    const both = pithead([...sign, "--token", "a", "--token-env", "MINER_TOKEN"], "", { MINER_TOKEN: "b" });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("error: choose one of --token-env <VAR>, --token-file <file> and --token <token>\n");
    const unset = pithead([...sign, "--token-env", "NOPE"]);
    expect(unset.stderr).toBe("error: the environment variable NOPE (--token-env) is not set\n");
  });

  it("says plainly that an empty or missing file is not a credentials file, with exit 3 (not 1, a bad signature)", () => {
    writeFileSync(join(dir, "empty.txt"), "");
    const empty = pithead(["agent", "credentials", "verify", "empty.txt"]);
    expect(empty.code).toBe(3);
    expect(empty.stderr).toBe("error: empty.txt is not a signed credentials file: the file is empty\n");
    const missing = pithead(["agent", "credentials", "verify", "nowhere.txt"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe("error: no such file: nowhere.txt\n");
  });
});
