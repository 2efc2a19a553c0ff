// `pithead web`: the dashboard alone, in front of services deployed elsewhere.

import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { ensureDashboardBuilt } from "@pithead/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, runPithead } from "./web-harness.ts";

let service: Server;
let serviceUrl = "";

beforeAll(async () => {
  await ensureDashboardBuilt();
  service = createServer((request, response) => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end(
      JSON.stringify({ status: "ok", path: request.url, authorization: request.headers.authorization ?? null }),
    );
  });
  await new Promise<void>((done) => service.listen(0, "127.0.0.1", done));
  serviceUrl = `http://127.0.0.1:${(service.address() as { port: number }).port}`;
}, 120_000);

afterAll(() => new Promise<void>((done) => service.close(() => done())));

describe("pithead web", () => {
  it("asks for at least one service", async () => {
    const { code, stderr } = await runPithead(["web", "--port", "0"]);
    expect(code).toBe(2);
    expect(stderr).toContain("give at least one service: --coordinator URL, --fleet URL or --agent URL");
  });

  it("serves the dashboard, proxies the services it was given, and stops on Ctrl-C", async () => {
    const child = spawn(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/pithead.js"), "web", "--coordinator", serviceUrl, "--port", "0"],
      {
        cwd: repoRoot,
        env: { ...process.env, CI: "1" },
      },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const url = await new Promise<string>((done, reject) => {
      child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        stdout += chunk;
        const match = /Dashboard on (http:\/\/\S+)/.exec(stdout);
        if (match?.[1]) done(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`pithead web exited (${code}): ${stderr}`)));
      setTimeout(
        () => reject(new Error(`pithead web printed no URL within 30 s:\n${stdout}\n${stderr}`)),
        30_000,
      ).unref();
    });
    const exited = new Promise<number | null>((done, reject) => {
      child.once("exit", done);
      setTimeout(() => reject(new Error(`pithead web did not exit on SIGINT:\n${stdout}\n${stderr}`)), 20_000).unref();
    });
    try {
      expect(stdout).toContain("Connections page");
      const session = (await (await fetch(`${url}/session`)).json()) as {
        loginCode: boolean;
        services: Record<string, unknown>;
      };
      expect(session).toEqual({
        loginCode: false,
        services: { coordinator: { url: serviceUrl }, fleet: null, agent: null },
      });
      const proxied = await fetch(`${url}/svc/coordinator/v1/jobs?limit=5`, {
        headers: { authorization: "Bearer ph_client_key" },
      });
      expect(await proxied.json()).toEqual({
        status: "ok",
        path: "/v1/jobs?limit=5",
        authorization: "Bearer ph_client_key",
      });
      const page = await fetch(`${url}/fleet`);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      child.kill("SIGINT");
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain("dashboard stopped");
  });

  it("says a service it cannot reach in a readable line on stdout, not pino JSON, when stdout is not a terminal", async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
    const fleetUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((done) => closed.close(() => done()));
    const child = spawn(
      process.execPath,
      [join(repoRoot, "packages/cli/bin/pithead.js"), "web", "--fleet", fleetUrl, "--port", "0"],
      { cwd: repoRoot, env: { ...process.env, CI: "1" } },
    );
    let stdout = "";
    const seen = (pattern: RegExp) =>
      new Promise<void>((done, reject) => {
        const check = () => pattern.test(stdout) && done();
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
          stdout += chunk;
          check();
        });
        check();
        setTimeout(() => reject(new Error(`pithead web never printed ${pattern}:\n${stdout}`)), 30_000).unref();
      });
    try {
      await seen(/Dashboard on http:\/\/\S+/);
      const url = /Dashboard on (http:\/\/\S+)/.exec(stdout)?.[1];
      expect((await fetch(`${url}/svc/fleet/miners`)).status).toBe(502);
      await seen(/service unreachable/);
      const line = stdout.split("\n").find((text) => text.includes("service unreachable"));
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN service unreachable \(said once, until it answers again\) .*service=fleet/,
      );
      expect(stdout).not.toContain('{"level"');
    } finally {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGINT");
      await exited;
    }
  });
});
