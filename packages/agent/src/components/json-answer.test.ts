import { describe, expect, it } from "vitest";
import { fitOutput, jsonCandidate, parseJsonAnswer } from "./json-answer.ts";
import { resolveNotebook } from "./notebook.ts";
import type { PreviousOutput } from "./types.ts";

describe("the model's JSON answer", () => {
  it("takes the ```json block first, then the first fenced block, then the whole text", () => {
    expect(jsonCandidate('intro ```python\nx``` and ```json\n{"a":1}\n``` outro')).toBe('{"a":1}');
    expect(jsonCandidate('```\n{"a":2}\n```')).toBe('{"a":2}');
    expect(jsonCandidate('  {"a":3}  ')).toBe('{"a":3}');
    // An unclosed fence still yields what follows it, as Python's split does.
    expect(jsonCandidate('```json\n{"a":4}')).toBe('{"a":4}');
  });

  it("reads both fields, and falls back to the raw text and 'no update' for missing ones", () => {
    expect(parseJsonAnswer('{"immediate_response":"hi","notebook":"doc"}')).toEqual({
      immediate_response: "hi",
      notebook: "doc",
    });
    const raw = '{"notebook":"doc"}';
    expect(parseJsonAnswer(raw)).toEqual({ immediate_response: raw, notebook: "doc" });
    expect(parseJsonAnswer('{"immediate_response":"only"}')).toEqual({
      immediate_response: "only",
      notebook: "no update",
    });
  });

  it("treats prose, broken JSON and non-objects as the raw answer", () => {
    for (const raw of ["Sure! Here it is.", '{"immediate_response": ', "[1, 2]", "42", "null", '"text"']) {
      expect(parseJsonAnswer(raw)).toEqual({ immediate_response: raw, notebook: "no update" });
    }
  });

  it("turns non-string fields into text: objects as JSON, null as the fallback", () => {
    expect(parseJsonAnswer('{"immediate_response":"r","notebook":{"title":"T"}}').notebook).toBe(
      '{\n  "title": "T"\n}',
    );
    expect(parseJsonAnswer('{"immediate_response":7,"notebook":true}')).toEqual({
      immediate_response: "7",
      notebook: "true",
    });
    const raw = '{"immediate_response":null,"notebook":null}';
    expect(parseJsonAnswer(raw)).toEqual({ immediate_response: raw, notebook: "no update" });
  });
});

describe("notebook resolution", () => {
  const prev = (notebook: string): PreviousOutput => ({
    task: "t",
    input: [],
    output: { immediate_response: "r", notebook },
    component: "complete",
  });

  it("cuts an overlong answer at 50,000 and a notebook at 100,000 whole characters, never inside an emoji", () => {
    const emoji = "\u{1F600}"; // two UTF-16 units
    const output = fitOutput({ immediate_response: emoji.repeat(60_000), notebook: `x${emoji.repeat(120_000)}` });
    expect([...output.immediate_response]).toHaveLength(50_000);
    expect(output.immediate_response.isWellFormed()).toBe(true);
    expect([...output.notebook]).toHaveLength(100_000);
    expect(output.notebook.isWellFormed()).toBe(true);
    expect(fitOutput({ immediate_response: "short", notebook: "" })).toEqual({
      immediate_response: "short",
      notebook: "",
    });
  });

  it("keeps a real notebook, and 'no update' without previous outputs", () => {
    expect(resolveNotebook("new doc", [prev("old doc")])).toBe("new doc");
    expect(resolveNotebook("no update", [])).toBe("no update");
  });

  it("answers 'no update' with the first previous notebook that is a document", () => {
    expect(resolveNotebook("no update", [prev("no update"), prev(""), prev("second"), prev("third")])).toBe("second");
    expect(resolveNotebook("no update", [prev("no update")])).toBe("no update");
  });

  it("prefers the given notebook (the aggregate's majority) over the first one", () => {
    expect(resolveNotebook("no update", [prev("a"), prev("b")], "b")).toBe("b");
  });
});
