import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { corpus, corpusNames } from "../../test/corpus.ts";
import { parseLenientJson } from "./lenient-json.ts";

function parsed(text: string) {
  const result = parseLenientJson(text);
  if (!result.ok) throw new Error(`expected a parse, got: ${result.reason}`);
  return result;
}

describe("parseLenientJson on replies firmwares really send", () => {
  it("reads every corpus reply on the fast path, with the NUL terminator stripped", () => {
    for (const name of corpusNames()) {
      const result = parsed(`${corpus(name)}\0`);
      expect(result.repairs, name).toEqual([]);
      expect(result.truncated, name).toBe(false);
    }
  });

  it("repairs bmminer's `}{` between the STATS rows", () => {
    const damaged = corpus("bmminer-s9-stats").replace('"Type":"Antminer S9"},{', '"Type":"Antminer S9"}{');
    const result = parsed(damaged);
    expect(result.repairs).toContain("missing comma between objects (}{)");
    const stats = (result.value as { STATS: { Type?: string; "GHS 5s"?: string }[] }).STATS;
    expect(stats).toHaveLength(2);
    expect(stats[0]?.Type).toBe("Antminer S9");
    expect(stats[1]?.["GHS 5s"]).toBe("13788.21");
  });

  it("repairs `,}` and `,]` and a leading comma and `[,{`", () => {
    const result = parsed('{,"STATUS":[,{"STATUS":"S","Code":11,},],"SUMMARY":[{"MHS av":1.5,}],}');
    expect(result.repairs).toEqual(
      expect.arrayContaining(["leading comma", "trailing comma before }", "trailing comma before ]"]),
    );
    expect(result.value).toEqual({ STATUS: [{ STATUS: "S", Code: 11 }], SUMMARY: [{ "MHS av": 1.5 }] });
  });

  it("turns bare inf/nan (cgminer's %f of a non-finite double) into null", () => {
    const result = parsed('{"SUMMARY":[{"MHS av":inf,"Utility":-nan,"Work Utility":nan,"Accepted":3}]}');
    expect(result.value).toEqual({ SUMMARY: [{ "MHS av": null, Utility: null, "Work Utility": null, Accepted: 3 }] });
    expect(result.repairs).toEqual(expect.arrayContaining(["bare inf replaced by null", "bare nan replaced by null"]));
  });

  it('keeps quoted "inf" and "nan" as strings (the value reader treats them as absent)', () => {
    expect(parsed('{"a":"inf","b":"nan"}').value).toEqual({ a: "inf", b: "nan" });
  });

  it("accepts raw newlines inside strings", () => {
    const result = parsed('{"STATUS":[{"STATUS":"S","Description":"cgminer 4.12.1\nbuild 7"}]}');
    expect(result.repairs).toContain("raw control character inside a string");
    expect((result.value as { STATUS: { Description: string }[] }).STATUS[0]?.Description).toBe(
      "cgminer 4.12.1\nbuild 7",
    );
  });

  it("closes a truncated buffer and drops the value that was cut", () => {
    const full = corpus("cgminer-summary");
    const cut = full.slice(0, full.indexOf('"Accepted":') + '"Accepted":402'.length);
    const result = parsed(cut);
    expect(result.truncated).toBe(true);
    const summary = (result.value as { SUMMARY: Record<string, unknown>[] }).SUMMARY[0];
    expect(summary?.["MHS 5s"]).toBe(4698123.5);
    // "Accepted":402 may have lost digits, so it is not invented.
    expect(summary).not.toHaveProperty("Accepted");
  });

  it("merges concatenated top-level objects", () => {
    const result = parsed('{"STATUS":[{"STATUS":"S"}]}{"SUMMARY":[{"MHS av":2}]}');
    expect(result.value).toEqual({ STATUS: [{ STATUS: "S" }], SUMMARY: [{ "MHS av": 2 }] });
    expect(result.repairs).toContain("concatenated top-level objects merged");
  });

  it("never sets a prototype from a reply", () => {
    const result = parsed('{"__proto__":{"polluted":true},"a":1,}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(result.value as object)).toContain("__proto__");
  });

  it("refuses what cannot be repaired, with a reason", () => {
    for (const [text, reason] of [
      ["", "empty reply"],
      ["<html><body>502 Bad Gateway</body></html>", "unexpected '<'"],
      ['{"a":1} trailing', ""],
      ["[".repeat(200), "nesting deeper than 64"],
      ['{"a":bogus}', "unexpected word 'bogus'"],
    ] as const) {
      const result = parseLenientJson(text);
      if (reason === "") expect(result.ok).toBe(true);
      else {
        expect(result.ok, text.slice(0, 30)).toBe(false);
        if (!result.ok) expect(result.reason).toContain(reason);
      }
    }
  });

  it("never throws on random bytes (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        const result = parseLenientJson(Buffer.from(bytes).toString("utf8"));
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws on JSON-ish noise built from the characters replies are made of (property)", () => {
    const alphabet = fc.constantFrom(...'{}[],:"\\ \n\0-.0123456789eEinfatrulsxo'.split(""));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 400 }), (chars) => {
        const result = parseLenientJson(chars.join(""));
        if (result.ok) expect(result.value).not.toBeUndefined();
        else expect(result.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 3000 },
    );
  });

  it("parses every truncation of every corpus reply without throwing, keeping what arrived (property)", () => {
    const replies = corpusNames().map(corpus);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: replies.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (which, fraction) => {
          const reply = replies[which] as string;
          const cut = reply.slice(0, Math.floor(reply.length * fraction));
          const result = parseLenientJson(cut);
          // Any prefix that starts an object parses to an object; shorter prefixes fail with a reason.
          if (cut.trimStart().length > 1 && cut.trimStart().startsWith("{")) expect(result.ok).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
