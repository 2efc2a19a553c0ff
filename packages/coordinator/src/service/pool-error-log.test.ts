import { describe, expect, it } from "vitest";
import { PoolErrorLog, withoutSecrets } from "./pool-error-log.ts";

function subject(inOutage = false) {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  let now = 1_000_000;
  let outage = inOutage;
  const log = new PoolErrorLog({
    log: { warn: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) },
    inOutage: () => outage,
    now: () => now,
  });
  return {
    log,
    lines,
    advance: (ms: number) => {
      now += ms;
    },
    setOutage: (down: boolean) => {
      outage = down;
    },
  };
}

const lost = () => Object.assign(new Error("Connection terminated unexpectedly"), { client: { password: "s3cret" } });

describe("the read pool's lost connections", () => {
  it("outside an outage: one warn line with what pg said, then at most one a minute with the count left out", () => {
    const { log, lines, advance } = subject();
    log.report(lost());
    log.report(lost());
    log.report(lost());
    expect(lines).toEqual([{ obj: { reason: "Connection terminated unexpectedly" }, msg: expect.any(String) }]);
    advance(59_999);
    log.report(lost());
    expect(lines).toHaveLength(1);
    advance(1);
    log.report(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }));
    expect(lines[1]?.obj).toEqual({
      reason: "terminating connection due to administrator command",
      code: "57P01",
      suppressed: 3,
    });
    expect(JSON.stringify(lines)).not.toContain("s3cret");
  });

  it("during an outage the engine's outage lines say it all: nothing is logged", () => {
    const { log, lines, setOutage } = subject(true);
    for (let i = 0; i < 10; i++) log.report(lost());
    expect(lines).toEqual([]);
    setOutage(false);
    log.report(lost());
    expect(lines).toHaveLength(1);
  });

  it("never logs a connection string's password", () => {
    expect(withoutSecrets("could not reach postgres://app:hunter2@db.internal:5432/pithead")).toBe(
      "could not reach postgres://app:***@db.internal:5432/pithead",
    );
    expect(withoutSecrets("getaddrinfo ENOTFOUND db.internal")).toBe("getaddrinfo ENOTFOUND db.internal");
  });
});
