// The dashboard end to end, in Debian's Chromium against `pithead up` started as a user starts it:
// log in with the printed code, submit an llm_gen job from the form and see it complete with its
// output and a valid receipt, switch the fleet to MANUAL and see a negative proof, verify the
// ledger in the browser, call /complete from the agent tab; at a laptop and a phone width, by
// keyboard, with labelled controls. Screenshots: artifacts/screenshots/<test>-<step>.png.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDashboardBuilt } from "@pithead/web";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  laptop,
  launchChromium,
  phone,
  type RunningUp,
  repoRoot,
  runPithead,
  screenshot,
  startUp,
} from "./web-harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "pithead-up-e2e-"));
const allPortsFree = ["--port", "0", "--coordinator-port", "0", "--agent-port", "0", "--fleet-port", "0"];
let up: RunningUp;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let submittedJob = "";

/** Runs a command line as a user pastes it into a shell, from the repository root. */
function shell(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile("sh", ["-c", command], { cwd: repoRoot, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  await ensureDashboardBuilt();
  [up, browser] = await Promise.all([
    startUp(["--data", dataDir, "--miners", "12", ...allPortsFree]),
    launchChromium(),
  ]);
  context = await browser.newContext({ viewport: laptop });
  page = await context.newPage();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (up?.child.exitCode === null) await up.interrupt();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("pithead up and the dashboard", () => {
  it("prints where to open it, a login code and every key, and keeps the keys readable by the owner only", () => {
    const { facts } = up;
    expect(facts.urls.dashboard).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(facts.loginCode).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    expect(facts.keys.coordinatorAdmin).toMatch(/^ph_admin_/);
    expect(facts.keys.coordinatorClient).toMatch(/^ph_client_/);
    expect(facts.miner.workloads).toContain("llm_gen");
    expect(facts.examples.map((example) => example.title)).toEqual([
      "Submit an llm_gen job (paid from the client wallet)",
      "Call the agent's /complete",
      "Run a fleet cycle (a signed request)",
      "Verify the coordinator's evidence ledger end to end",
    ]);
    const keys = JSON.parse(readFileSync(join(dataDir, "keys.json"), "utf8")) as { coordinatorAdminKey: string };
    expect(keys.coordinatorAdminKey).toBe(facts.keys.coordinatorAdmin);
  });

  it("prints example commands that work as printed: a job, /complete, a fleet cycle, a ledger check", async () => {
    const [submit, complete, cycle, verify] = up.facts.examples.map((example) => example.command);
    const job = JSON.parse((await shell(submit as string)).stdout) as { state: string; workload: string };
    expect(job).toMatchObject({ state: "QUEUED", workload: "llm_gen" });
    const answer = JSON.parse((await shell(complete as string)).stdout) as {
      component: string;
      output: { immediate_response: string };
    };
    expect(answer.component).toBe("complete");
    expect(answer.output.immediate_response.length).toBeGreaterThan(0);
    const ran = await shell(cycle as string);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/cycle at \S+ \(ledger record #\d+\)/);
    const verified = await shell(verify as string);
    // What verify said goes with a failure: its exit code alone does not say what it found.
    expect(verified.code, `${verified.stdout}\n${verified.stderr}`).toBe(0);
    expect(verified.stdout).toMatch(/✔ coordinator: \d+ records, .* verified/);
    // Checked against the coordinator's own key, not only the one the export carries.
    expect(verified.stdout + verified.stderr).not.toContain("key named inside the file");
  });

  it("logs in with the printed code, refusing a wrong one with a message, and never puts a key in the URL", async () => {
    await page.goto(up.facts.urls.dashboard);
    await screenshot(page, "login", "1-code-asked");
    await page.getByLabel("Login code").fill("WRNG-CODE");
    await page.getByRole("button", { name: "Log in" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("not this dashboard's login code");
    await screenshot(page, "login", "2-wrong-code");
    await page.getByLabel("Login code").fill(up.facts.loginCode.toLowerCase());
    await page.getByLabel("Login code").press("Enter");
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    expect(page.url()).not.toContain(up.facts.keys.coordinatorAdmin);
    const stored = await page.evaluate(() => sessionStorage.getItem("pithead-dashboard-connections") ?? "");
    expect(stored).toContain(up.facts.keys.coordinatorClient);
    await screenshot(page, "login", "3-jobs");
  });

  it("submits an llm_gen job from the form and shows it completed, with its output, metrics and a valid receipt", async () => {
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByLabel("Workload").selectOption("llm_gen");
    await page.getByLabel("Prompt").fill("abc");
    await page.getByLabel("Max tokens").fill("8");
    await screenshot(page, "submit-job", "1-form");
    await page.getByRole("button", { name: "Submit job" }).click();
    await page.getByRole("heading", { name: /^Job / }).waitFor();
    submittedJob = decodeURIComponent(page.url().split("/jobs/")[1] ?? "");
    expect(submittedJob).not.toBe("");
    await expect.poll(() => page.getByTestId("job-state").textContent(), { timeout: 45_000 }).toBe("COMPLETED");
    // The tiny model continues "abc" with the next characters.
    await expect.poll(() => page.getByTestId("job-output").textContent()).toContain("defg");
    await expect.poll(() => page.getByText("Receipt signature: valid").count()).toBe(1);
    await expect.poll(() => page.getByText("Output matches").count()).toBe(1);
    await expect.poll(() => page.getByRole("heading", { name: "Metrics" }).count()).toBe(1);
    await screenshot(page, "submit-job", "2-completed-with-receipt");
    await page.getByRole("button", { name: "Check the ledger proofs" }).click();
    await expect
      .poll(() => page.getByText(/All \d+ records of this job are in the ledger/).count(), { timeout: 20_000 })
      .toBe(1);
    await screenshot(page, "submit-job", "3-ledger-proofs");
    // The job list shows it too, completed.
    await page.getByRole("link", { name: "← All jobs" }).click();
    await expect.poll(() => page.getByRole("link", { name: `Job ${submittedJob}` }).count()).toBe(1);
  });

  it("shows when a job no miner has taken yet will expire", async () => {
    // The stack's miner runs llm_gen only, so a torch_bench job waits in the queue.
    const submitted = await fetch(`${up.facts.urls.coordinator}/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${up.facts.keys.coordinatorClient}`, "content-type": "application/json" },
      body: JSON.stringify({ workload: "torch_bench", params: {}, reward: 1, ttl_s: 600 }),
    });
    const queued = (await submitted.json()) as { id: string; start_by: string };
    await page.goto(`${up.facts.urls.dashboard}/jobs/${queued.id}`);
    await expect.poll(() => page.getByTestId("job-state").textContent()).toBe("QUEUED");
    const startBy = page.getByRole("definition").filter({ hasText: "or its open slots expire" });
    await expect.poll(() => startBy.count()).toBe(1);
    expect(await startBy.textContent()).toContain(new Date(queued.start_by).getFullYear().toString());
    await page.getByRole("link", { name: "Jobs", exact: true }).click();
    await page.getByLabel("Workload").selectOption("llm_gen");
  });

  it("names the bad field instead of sending a job it knows is wrong", async () => {
    await page.getByLabel("Prompt").fill("   ");
    await page.getByRole("button", { name: "Submit job" }).click();
    await expect
      .poll(() => page.getByRole("alert").first().textContent())
      .toContain("Prompt: enter the text to continue");
    await page.getByLabel("Prompt").fill("abc");
    await page.getByLabel("Reward").fill("-5");
    await page.getByRole("button", { name: "Submit job" }).click();
    await expect.poll(() => page.getByRole("alert").first().textContent()).toContain("Reward");
    await screenshot(page, "submit-job", "4-bad-input");
  });

  it("switches the fleet to MANUAL, runs a cycle and shows the negative proofs of what it did not do", async () => {
    await page.getByRole("link", { name: "Fleet", exact: true }).click();
    await page.getByRole("table", { name: "Miners of the operator" }).waitFor();
    await screenshot(page, "fleet-manual", "1-auto");
    await page.getByRole("radio", { name: "MANUAL" }).check();
    await expect.poll(() => page.getByTestId("fleet-message").textContent()).toContain("Mode is now MANUAL");
    await page.getByRole("button", { name: "Run cycle" }).click();
    await expect
      .poll(() => page.getByTestId("fleet-message").textContent(), { timeout: 30_000 })
      .toMatch(/Cycle \(MANUAL, ledger record #\d+\).*[1-9]\d* negative proofs?/);
    const proof = page
      .getByRole("list", { name: /Decisions and negative proofs/ })
      .locator("li", { hasText: "MANUAL_MODE" })
      .first();
    await proof.waitFor();
    expect(await proof.textContent()).toContain("Negative proof");
    await screenshot(page, "fleet-manual", "2-negative-proof");
    // Charts of the selected miner: labelled for assistive technology.
    expect(await page.getByRole("img", { name: /Hashrate of sim-\d+/ }).count()).toBe(1);
    await page.getByRole("radio", { name: "AUTO" }).check();
    await expect.poll(() => page.getByTestId("fleet-message").textContent()).toContain("Mode is now AUTO");
  });

  it("verifies each ledger in the browser with progress, and checks a record's inclusion proof", async () => {
    await page.getByRole("link", { name: "Ledger", exact: true }).click();
    await page.getByLabel("Partition").selectOption({ label: "Coordinator" });
    await expect.poll(() => page.getByText(/✔ valid: signed by/).count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect
      .poll(() => page.getByTestId("verify-result").textContent(), { timeout: 30_000 })
      .toMatch(/Verified in this browser: \d+ records/);
    expect(await page.getByRole("progressbar", { name: "Records checked" }).count()).toBe(1);
    await screenshot(page, "ledger-verify", "1-coordinator-verified");
    await page
      .getByRole("button", { name: /^Check proof that record \d+ \(.+\) is in the ledger$/ })
      .last()
      .click();
    await expect.poll(() => page.getByText(/Inclusion of record \d+: valid/).count(), { timeout: 15_000 }).toBe(1);
    await screenshot(page, "ledger-verify", "2-inclusion-proof");

    await page.getByLabel("Partition").selectOption({ label: `Fleet operator ${up.facts.keys.fleetOperator}` });
    await page.getByRole("button", { name: "Verify", exact: true }).click();
    await expect
      .poll(() => page.getByTestId("verify-result").textContent(), { timeout: 60_000 })
      .toMatch(/Verified in this browser: \d+ records/);
    await expect.poll(() => page.getByText(/The service's own verify agrees/).count(), { timeout: 30_000 }).toBe(1);
    await screenshot(page, "ledger-verify", "3-fleet-verified");
  });

  it("calls /complete from the agent tab, in the agent's own console, with the key handed over", async () => {
    await page.getByRole("link", { name: "Agent", exact: true }).click();
    const agentConsole = page.frameLocator('iframe[title="Agent test console"]');
    await expect
      .poll(() => agentConsole.locator("#key-state").textContent(), { timeout: 20_000 })
      .toBe("key set for this tab");
    await agentConsole.getByTestId("task").first().fill("Continue the alphabet");
    await agentConsole.getByTestId("queries").first().fill("abc");
    await agentConsole.getByRole("button", { name: "POST /complete" }).click();
    await expect
      .poll(() => agentConsole.getByTestId("status").first().textContent(), { timeout: 45_000 })
      .toMatch(/^HTTP 200/);
    expect(await agentConsole.getByTestId("immediate-response").first().textContent()).not.toBe("");
    await screenshot(page, "agent-complete", "1-answered");
  });

  it("shows a message, not a blank page, for a page that does not exist and for a service that refuses a key", async () => {
    await page.goto(`${up.facts.urls.dashboard}/nowhere`);
    await page.getByRole("heading", { name: "Not found" }).waitFor();
    await page.getByRole("link", { name: "Connections", exact: true }).click();
    await page.getByLabel("Admin key", { exact: true }).fill("ph_admin_000000000000_wrong");
    await page.getByRole("button", { name: "Test connections" }).click();
    await expect
      .poll(() => page.getByRole("region", { name: "Connection test" }).textContent(), { timeout: 20_000 })
      .toContain("Coordinator admin key");
    const text = (await page.getByRole("region", { name: "Connection test" }).textContent()) ?? "";
    expect(text).toMatch(/Coordinator admin key.*(invalid|Invalid|credentials|key)/);
    expect(text).toContain("Fleet operator default");
    await screenshot(page, "errors", "1-connection-test");
  });

  it("shows every fleet column on a wide screen, all but the fans on a laptop; at a phone's width the table scrolls with each miner's name in view", async () => {
    await page.getByRole("link", { name: "Fleet", exact: true }).click();
    const table = page.getByRole("table", { name: "Miners of the operator" });
    await table.waitFor();
    // The DOM as far as this test reads it (the tests type-check without the DOM library).
    type Box = {
      scrollWidth: number;
      clientWidth: number;
      scrollLeft: number;
      getBoundingClientRect(): { left: number; right: number };
    };
    await page.setViewportSize({ width: 1920, height: 1000 });
    try {
      const frame = () =>
        table.evaluate((el) => {
          const wrap = el.parentElement as unknown as Box;
          return { scroll: wrap.scrollWidth, visible: wrap.clientWidth };
        });
      await expect
        .poll(async () => (await frame()).scroll - (await frame()).visible, { timeout: 5_000 })
        .toBeLessThanOrEqual(0);
      await screenshot(page, "fleet-wide", "1-every-column");
      // A laptop: no sideways scroll (the fans column gives way), every other header in the frame.
      await page.setViewportSize(laptop);
      await expect.poll(async () => (await frame()).scroll - (await frame()).visible).toBeLessThanOrEqual(0);
      expect(await table.getByRole("columnheader", { name: "Last decision" }).count()).toBe(1);
      expect(await table.getByRole("columnheader", { name: "Fans rpm" }).count()).toBe(0);
      await screenshot(page, "fleet-wide", "2-laptop");
      await page.setViewportSize(phone);
      const sideways = await frame();
      expect(sideways.scroll).toBeGreaterThan(sideways.visible);
      // Scrolled to the last column, the first row's miner name is still inside the frame.
      const nameInView = await table.evaluate((el) => {
        const wrap = el.parentElement as unknown as Box;
        wrap.scrollLeft = wrap.scrollWidth;
        const name = (el.querySelector("tbody th") as unknown as Box).getBoundingClientRect();
        const box = wrap.getBoundingClientRect();
        return name.left >= box.left - 1 && name.right <= box.right;
      });
      expect(nameInView).toBe(true);
      await screenshot(page, "fleet-wide", "3-phone-scrolled");
    } finally {
      await page.setViewportSize(laptop);
    }
  });

  it("works at a phone width by keyboard alone: log in, reach the fleet, run a cycle", async () => {
    const phoneContext = await browser.newContext({ viewport: phone, isMobile: true, hasTouch: true });
    const small = await phoneContext.newPage();
    await small.goto(up.facts.urls.dashboard);
    await small.getByLabel("Login code").waitFor();
    // From the top of the page: Tab until the code field has focus, type, Enter.
    for (
      let i = 0;
      i < 12 && !(await small.getByLabel("Login code").evaluate((el) => el === el.ownerDocument.activeElement));
      i++
    )
      await small.keyboard.press("Tab");
    await small.keyboard.type(up.facts.loginCode);
    await small.keyboard.press("Enter");
    await small.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    await screenshot(small, "phone", "1-jobs");
    await small.getByRole("link", { name: "Fleet", exact: true }).focus();
    await small.keyboard.press("Enter");
    await small.getByRole("heading", { name: "Fleet", level: 1 }).waitFor();
    const run = small.getByRole("button", { name: "Run cycle" });
    await run.focus();
    await small.keyboard.press("Space");
    await expect
      .poll(() => small.getByTestId("fleet-message").textContent(), { timeout: 30_000 })
      .toMatch(/^Cycle \((AUTO|MANUAL), ledger record #\d+\)/);
    // Wide tables scroll inside their frame; the page itself never scrolls sideways.
    expect(await small.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(phone.width);
    await screenshot(small, "phone", "2-fleet-after-cycle");
    await phoneContext.close();
  });

  it("gives every control on every page an accessible name", async () => {
    const unnamed: string[] = [];
    for (const name of ["Jobs", "Fleet", "Ledger", "Connections"]) {
      await page.getByRole("link", { name, exact: true }).click();
      await page.getByRole("heading", { name, level: 1 }).waitFor();
      await page.waitForTimeout(500);
      for (const role of ["button", "link", "textbox", "combobox", "radio", "checkbox", "spinbutton"] as const) {
        const all = await page.getByRole(role).count();
        const named = await page.getByRole(role, { name: /\S/ }).count();
        if (named !== all) unnamed.push(`${name}: ${all - named} ${role}(s) without a name`);
      }
    }
    expect(unnamed).toEqual([]);
  });
});

describe("stopping and starting again", () => {
  it("stops everything on Ctrl-C and exits 0", async () => {
    const { code, stderr } = await up.interrupt();
    expect(stderr).toContain("stopped cleanly");
    expect(code).toBe(0);
  }, 60_000);

  it("starts again on the same data with the same keys, and the completed job and its receipt are still there", async () => {
    const again = await startUp(["--data", dataDir, "--miners", "12", ...allPortsFree]);
    try {
      expect(again.facts.keys).toEqual(up.facts.keys);
      expect(again.facts.loginCode).not.toBe(up.facts.loginCode);
      const headers = { authorization: `Bearer ${again.facts.keys.coordinatorClient}` };
      const job = (await (
        await fetch(`${again.facts.urls.coordinator}/v1/jobs/${submittedJob}`, { headers })
      ).json()) as { state: string };
      expect(job.state).toBe("COMPLETED");
      const result = (await (
        await fetch(`${again.facts.urls.coordinator}/v1/jobs/${submittedJob}/result`, { headers })
      ).json()) as { output: string; receipt: unknown };
      expect(result.output).toContain("defg");
      expect(result.receipt).not.toBeNull();
    } finally {
      const { code } = await again.interrupt();
      expect(code).toBe(0);
    }
  }, 150_000);

  it("refuses to start when a port is taken, naming the port and the flag", async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, "127.0.0.1", done));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, stderr } = await runPithead([
        "up",
        "--data",
        dataDir,
        "--coordinator-port",
        String(port),
        "--port",
        "0",
        "--agent-port",
        "0",
        "--fleet-port",
        "0",
      ]);
      expect(code).toBe(1);
      expect(stderr).toContain(`port ${port} on 127.0.0.1 (the coordinator) is already in use`);
      expect(stderr).toContain("--coordinator-port");
    } finally {
      blocker.close();
    }
  });
});
