import { describe, expect, it } from "vitest";
import { pythonJsonError } from "./python-json-error.ts";

// Expected values are CPython 3.11's json.loads(body.encode()) → JSONDecodeError (pos, msg).
const PYTHON: [string, number, string][] = [
  ["", 0, "Expecting value"],
  ["   ", 3, "Expecting value"],
  ['{"cid": "x",', 12, "Expecting property name enclosed in double quotes"],
  ['{"cid": "x"', 11, "Expecting ',' delimiter"],
  ['{"cid" "x"}', 7, "Expecting ':' delimiter"],
  ["{cid: 1}", 1, "Expecting property name enclosed in double quotes"],
  ["[1,]", 3, "Expecting value"],
  ["[1 2]", 3, "Expecting ',' delimiter"],
  ['{"a": 1,}', 8, "Expecting property name enclosed in double quotes"],
  ["hello", 0, "Expecting value"],
  ['{"a": tru}', 6, "Expecting value"],
  ['{"a": "b\nc"}', 8, "Invalid control character at"],
  ['{"a": "\\x"}', 7, "Invalid \\escape"],
  ['{"a": "\\u12"}', 8, "Invalid \\uXXXX escape"],
  ['{"a": "\\u12G4"}', 8, "Invalid \\uXXXX escape"],
  ['{"a": 1} x', 9, "Extra data"],
  ["01", 1, "Extra data"],
  ["-", 0, "Expecting value"],
  ['{"a": -}', 6, "Expecting value"],
  ['"abc', 0, "Unterminated string starting at"],
  ['{"a": [1, 2', 11, "Expecting ',' delimiter"],
  ['{"é😀": 1,,}', 9, "Expecting property name enclosed in double quotes"],
  ["[", 1, "Expecting value"],
  ['{"a":"😀\\q"}', 7, "Invalid \\escape"],
  ["1.", 1, "Extra data"],
  ['{"a": 1e}', 7, "Expecting ',' delimiter"],
  ['{"a":"x\\', 5, "Unterminated string starting at"],
];

describe("pythonJsonError (FastAPI's json_invalid position and message)", () => {
  it.each(PYTHON)("%j → pos %i, %s", (body, pos, msg) => {
    expect(pythonJsonError(body)).toEqual({ pos, msg });
  });

  it("accepts what Python accepts, a UTF-8 BOM included, and never overflows on deep nesting", () => {
    expect(pythonJsonError('\uFEFF{"a": [1, {"b": null}], "c": "\\u00e9"}')).toBeUndefined();
    const deep = `${"[".repeat(200_000)}${"]".repeat(199_999)}`;
    expect(pythonJsonError(deep)).toEqual({ pos: deep.length, msg: "Expecting ',' delimiter" });
  });
});
