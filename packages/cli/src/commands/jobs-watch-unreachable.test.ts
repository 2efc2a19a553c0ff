// `pithead jobs watch ID` against a coordinator it never reached printed "connection to the
// coordinator lost; reconnecting…" and retried for a minute; `jobs result --wait` spun for its whole
// wait. Both now fail at once with the one error line every other command gives (exit 1).
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { pithead } from "../../test/support/run-pithead.ts";

/** A port nothing listens on: taken from the OS, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

const JOB = "01a202e5-1f38-72d2-966a-a0639720a295";

describe("following a job on a coordinator that cannot be reached", () => {
  it("jobs watch and jobs result --wait say so at once and exit 1", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const env = { PITHEAD_KEY: "ph_client_test" };
    for (const args of [
      ["jobs", "watch", JOB, "--url", url],
      ["jobs", "result", JOB, "--wait", "600", "--url", url],
    ]) {
      const ran = await pithead(args, { env });
      expect(ran.code).toBe(1);
      expect(ran.stderr.trim()).toBe(`error: cannot reach the coordinator at ${url} (ECONNREFUSED) [UNREACHABLE]`);
    }
  });
});
