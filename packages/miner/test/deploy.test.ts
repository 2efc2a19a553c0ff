// deploy/: the installer run into a temporary root (twice: an edited config survives), the
// modes it leaves, and `systemd-analyze verify` on the unit it installs, drop-in included.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMinerConfig } from "../src/index.ts";

const INSTALLER = resolve(import.meta.dirname, "../../../deploy/install-miner.sh");
const SYSTEMD_ANALYZE = "/usr/bin/systemd-analyze";

function install(root: string, ...args: string[]) {
  return spawnSync("bash", [INSTALLER, "--root", root, "--skip-app", ...args], { encoding: "utf8" });
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("install-miner.sh", () => {
  it("installs config (600, only if missing), WORK_DIR (700), the hardened unit and logrotate into a root", () => {
    const root = mkdtempSync(join(tmpdir(), "miner-install-"));
    const first = install(root, "--gpu", "yes", "--api-key", "first-key", "--coord-url", "https://coord.example:8443");
    expect(first.status, first.stderr).toBe(0);
    const conf = join(root, "etc/pithead/miner.conf");
    expect(mode(conf)).toBe(0o600);
    expect(mode(join(root, "var/lib/pithead-miner"))).toBe(0o700);
    const unitFile = join(root, "etc/systemd/system/pithead-miner.service");
    expect(mode(unitFile)).toBe(0o644);
    expect(existsSync(join(root, "etc/systemd/system/pithead-miner.service.d/gpu.conf"))).toBe(true);
    expect(readFileSync(join(root, "etc/logrotate.d/pithead-miner"), "utf8")).toContain(
      "/var/log/pithead-miner/miner.log",
    );

    // The written config is one the miner accepts.
    const config = loadMinerConfig({ file: conf, env: {} });
    expect(config).toMatchObject({
      coordUrl: "https://coord.example:8443",
      apiKey: "first-key",
      workDir: "/var/lib/pithead-miner",
    });

    // An operator edits the config; a second run keeps it.
    writeFileSync(conf, readFileSync(conf, "utf8").replace('API_KEY="first-key"', 'API_KEY="edited-key"'));
    const second = install(root, "--api-key", "second-key");
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toContain("keeping existing");
    expect(readFileSync(conf, "utf8")).toContain('API_KEY="edited-key"');
    expect(mode(conf)).toBe(0o600);

    const unit = readFileSync(unitFile, "utf8");
    for (const line of [
      "User=pithead-miner",
      "RestartPreventExitStatus=78",
      "NoNewPrivileges=yes",
      "ProtectSystem=strict",
      "ProtectHome=yes",
      "PrivateTmp=yes",
      "ReadWritePaths=/var/lib/pithead-miner",
      "CapabilityBoundingSet=",
      "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
      "SystemCallFilter=@system-service",
      "EnvironmentFile=/etc/pithead/miner.conf",
      "KillSignal=SIGTERM",
    ]) {
      expect(unit.split("\n")).toContain(line);
    }
    expect(unit).not.toMatch(/@[A-Z_]+@/);
    expect(unit).toMatch(
      /^ExecStart=\/\S*node \/opt\/pithead\/packages\/cli\/bin\/pithead\.js miner start --work-dir \/var\/lib\/pithead-miner$/m,
    );
  });

  it.skipIf(!existsSync(SYSTEMD_ANALYZE))(
    "installs a unit that systemd-analyze verify accepts without a warning",
    () => {
      const root = mkdtempSync(join(tmpdir(), "miner-install-"));
      expect(install(root, "--gpu", "yes").status).toBe(0);
      // SYSTEMD_UNIT_PATH makes systemd load the unit by name, with its gpu.conf drop-in.
      const verify = spawnSync(SYSTEMD_ANALYZE, ["verify", "pithead-miner.service"], {
        encoding: "utf8",
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${join(root, "etc/systemd/system")}:` },
      });
      expect(verify.status, verify.stderr).toBe(0);
      expect(verify.stderr.trim()).toBe("");
    },
  );

  it("refuses bad options with a clear message and touches nothing", () => {
    const root = mkdtempSync(join(tmpdir(), "miner-install-"));
    const bad = install(root, "--gpu", "maybe");
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--gpu must be auto, yes or no");
    const quote = install(root, "--api-key", 'a"b');
    expect(quote.status).toBe(2);
    expect(existsSync(join(root, "etc/pithead/miner.conf"))).toBe(false);
  });
});
