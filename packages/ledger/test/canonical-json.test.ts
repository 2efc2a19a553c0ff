import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalProblem } from "../src/canonical-check.ts";
import { canonicalJson, LedgerValueError } from "../src/index.ts";

describe("canonical JSON (RFC 8785)", () => {
  it("serialises the RFC 8785 §3.2.3 example exactly", () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts keys by UTF-16 code units (RFC 8785 §3.2.3 sorting example)", () => {
    const input = {
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis",
    };
    const text = canonicalJson(input);
    const order = ["Carriage Return", "One", "Control", "Latin Small", "Euro Sign", "Emoji", "Hebrew"].map((v) =>
      text.indexOf(v),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(text.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it("formats numbers as ECMAScript does (RFC 8785 appendix B)", () => {
    const vectors: [string, string][] = [
      ["0000000000000000", "0"],
      ["0000000000000001", "5e-324"],
      ["8000000000000001", "-5e-324"],
      ["7fefffffffffffff", "1.7976931348623157e+308"],
      ["ffefffffffffffff", "-1.7976931348623157e+308"],
      ["4340000000000000", "9007199254740992"],
      ["c340000000000000", "-9007199254740992"],
      ["4430000000000000", "295147905179352830000"],
      ["44b52d02c7e14af5", "9.999999999999997e+22"],
      ["44b52d02c7e14af6", "1e+23"],
      ["44b52d02c7e14af7", "1.0000000000000001e+23"],
      ["444b1ae4d6e2ef4e", "999999999999999700000"],
      ["444b1ae4d6e2ef4f", "999999999999999900000"],
      ["444b1ae4d6e2ef50", "1e+21"],
      ["3eb0c6f7a0b5ed8c", "9.999999999999997e-7"],
      ["3eb0c6f7a0b5ed8d", "0.000001"],
      ["41b3de4355555553", "333333333.3333332"],
      ["41b3de4355555554", "333333333.33333325"],
      ["41b3de4355555555", "333333333.3333333"],
      ["41b3de4355555556", "333333333.3333334"],
      ["41b3de4355555557", "333333333.33333343"],
      ["becbf647612f3696", "-0.0000033333333333333333"],
      ["43143ff3c1cb0959", "1424953923781206.2"],
    ];
    for (const [bits, expected] of vectors) {
      const value = Buffer.from(bits, "hex").readDoubleBE(0);
      expect(canonicalJson(value), bits).toBe(expected);
    }
    expect(canonicalJson([1e21, 1e-7, 123e-20])).toBe("[1e+21,1e-7,1.23e-18]");
  });

  it("escapes control characters as RFC 8785 requires and keeps other characters raw", () => {
    expect(canonicalJson('\b\t\n\f\r\u0001\u001f"\\/é😀\u2028')).toBe(
      '"\\b\\t\\n\\f\\r\\u0001\\u001f\\"\\\\/é😀\u2028"',
    );
  });

  it("rejects NaN, ±Infinity and -0 naming the path", () => {
    const cases: [unknown, string][] = [
      [{ a: { b: [0, Number.NaN] } }, "$.a.b[1]"],
      [{ price: Number.POSITIVE_INFINITY }, "$.price"],
      [[Number.NEGATIVE_INFINITY], "$[0]"],
      [{ "odd key": -0 }, '$["odd key"]'],
    ];
    for (const [value, path] of cases) {
      const error = (() => {
        try {
          canonicalJson(value);
        } catch (e) {
          return e as LedgerValueError;
        }
      })();
      expect(error).toBeInstanceOf(LedgerValueError);
      expect(error?.path).toBe(path);
      expect(error?.message.startsWith(path)).toBe(true);
    }
  });

  it("rejects undefined, functions, bigints, class instances, lone surrogates and deep nesting", () => {
    expect(() => canonicalJson({ a: undefined })).toThrow(/\$\.a: undefined/);
    expect(() => canonicalJson([1, () => 1])).toThrow(/\$\[1\]: a function/);
    expect(() => canonicalJson({ n: 10n })).toThrow(/bigint/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/\$\.d: a Date instance/);
    expect(() => canonicalJson({ m: new Map() })).toThrow(/Map/);
    expect(() => canonicalJson("\ud800x")).toThrow(/surrogate/);
    let deep: unknown = 1;
    for (let i = 0; i < 80; i++) deep = [deep];
    expect(() => canonicalJson(deep)).toThrow(/nesting/);
    expect(canonicalJson(Object.create(null))).toBe("{}");
  });
});

/** -0 anywhere, or a string (value or key) that is not well-formed UTF-16: what canonicalJson refuses in JSON. */
function refusable(value: unknown): boolean {
  if (typeof value === "number") return Object.is(value, -0);
  if (typeof value === "string") return !value.isWellFormed();
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value).some(([key, item]) => !key.isWellFormed() || refusable(item));
}

/** Objects built with defineProperty, so that a "__proto__" key is an own key as it is after JSON.parse. */
const trickyObject = (value: fc.Arbitrary<unknown>) =>
  fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom("10", "9", "1", "0", "", "__proto__", "a", "B", "é", "😀", "\u0080", "\r", "ﬓ", "toJSON"),
          fc.string({ unit: "binary", maxLength: 4 }),
        ),
        value,
      ),
      { maxLength: 8 },
    )
    .map((entries) => {
      const object: Record<string, unknown> = {};
      for (const [key, item] of entries)
        Object.defineProperty(object, key, { value: item, enumerable: true, writable: true, configurable: true });
      return object;
    });

describe("canonicalJson against the canonicalize package (RFC 8785 reference)", () => {
  const agrees = (value: unknown) => {
    let ours: string;
    try {
      ours = canonicalJson(value);
    } catch (error) {
      // Refused only for what JSON cannot carry unambiguously; canonicalize writes -0 as 0.
      expect(error).toBeInstanceOf(LedgerValueError);
      expect(refusable(value)).toBe(true);
      return;
    }
    expect(ours).toBe(canonicalize(value));
    expect(JSON.parse(ours)).toEqual(JSON.parse(JSON.stringify(value)));
  };

  it("produces the same bytes for random JSON values, Unicode strings included", () => {
    fc.assert(fc.property(fc.jsonValue({ stringUnit: "binary" }), agrees), { numRuns: 1000 });
    fc.assert(fc.property(fc.jsonValue(), agrees), { numRuns: 500 });
  });

  it("produces the same bytes for objects with integer-like, __proto__ and non-ASCII keys", () => {
    const value = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: "binary" }), fc.boolean()),
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 4 }),
        trickyObject(tie("node")),
      ),
    })).node;
    fc.assert(fc.property(value, agrees), { numRuns: 1000 });
  });

  it("names the path of a lone surrogate even where a key or a literal backslash looks like one", () => {
    expect(canonicalJson({ a: "\\ud800" })).toBe('{"a":"\\\\ud800"}');
    expect(() => canonicalJson({ ok: "\\ud800", list: [1, { "\ud800": 1 }] })).toThrow(
      expect.objectContaining({ path: '$.list[1]["\\ud800"]' }),
    );
    expect(() => canonicalJson({ b: ["x", "\udc00"] }, "body")).toThrow(expect.objectContaining({ path: "body.b[1]" }));
  });
});

describe("canonical form check used by verify", () => {
  const check = (text: string) => canonicalProblem(Buffer.from(text), 0, Buffer.byteLength(text));

  it("accepts exactly what canonicalJson produces for arbitrary JSON values", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        let text: string;
        try {
          text = canonicalJson(value);
        } catch {
          return; // -0 and friends are refused at the source
        }
        expect(check(text)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("agrees with parse-and-reserialise on near-canonical inputs", () => {
    const mutate = fc
      .tuple(fc.jsonValue(), fc.nat(), fc.constantFrom(" ", "\\u0041", "\\/", "01", "-0", "1.0", "1E3", "}", ","))
      .map(([value, at, insert]) => {
        let text: string;
        try {
          text = canonicalJson(value);
        } catch {
          text = "null";
        }
        const i = at % (text.length + 1);
        return text.slice(0, i) + insert + text.slice(i);
      });
    fc.assert(
      fc.property(mutate, (text) => {
        let canonical = false;
        try {
          canonical = canonicalJson(JSON.parse(text)) === text;
        } catch {
          canonical = false;
        }
        expect(check(text) === undefined).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });

  it("names what is wrong", () => {
    expect(check('{"b":1,"a":2}')).toMatch(/order/);
    expect(check('{"a":1,"a":2}')).toMatch(/order/);
    expect(check("[1, 2]")).toMatch(/unexpected/);
    expect(check('"\\u0041"')).toMatch(/escape/);
    expect(check("1.50")).toMatch(/number/);
    expect(check("-0")).toMatch(/number/);
    expect(check('{"a":1}x')).toMatch(/trailing/);
  });
});
