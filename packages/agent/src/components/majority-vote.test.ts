import { describe, expect, it } from "vitest";
import { formatVoteCounts, normaliseAnswer, vote, voteOnOutputs } from "./majority-vote.ts";
import type { PreviousOutput } from "./types.ts";

const texts = (...values: string[]) => values.map((text, i) => ({ output: i + 1, text }));

describe("majority vote", () => {
  it("counts answers that differ only in case, spacing, quotes and final punctuation as one", () => {
    expect(normaliseAnswer('  "The answer is  42."  ')).toBe("the answer is 42");
    expect(normaliseAnswer("**Paris!**")).toBe("paris");
    expect(normaliseAnswer("Ｐａｒｉｓ")).toBe("paris");
    const result = vote(texts("Paris", "paris.", "Lyon", " PARIS "));
    expect(result.groups.map((g) => g.outputs)).toEqual([[1, 2, 4], [3]]);
    expect(result.winner?.text).toBe("Paris");
    expect(result.majority).toBe(true);
  });

  it("finds a plurality that is not a majority", () => {
    const result = vote(texts("a", "a", "b", "c", "d"));
    expect(result.winner?.outputs).toEqual([1, 2]);
    expect(result.majority).toBe(false);
  });

  it("declares no winner on a tie or when every answer differs", () => {
    expect(vote(texts("a", "b", "a", "b")).winner).toBeUndefined();
    expect(vote(texts("a", "b", "c")).winner).toBeUndefined();
    expect(vote(texts("a")).winner).toBeUndefined();
    expect(vote([]).winner).toBeUndefined();
  });

  it("votes on notebooks only among outputs that have one", () => {
    const prev = (response: string, notebook: string): PreviousOutput => ({
      task: "t",
      input: [],
      output: { immediate_response: response, notebook },
      component: "complete",
    });
    const summary = voteOnOutputs([prev("x", "doc A"), prev("y", "no update"), prev("z", "Doc A"), prev("w", "doc B")]);
    expect(summary.notebooks.total).toBe(3);
    expect(summary.notebooks.winner).toEqual({ outputs: [1, 3], text: "doc A" });
    expect(summary.responses.winner).toBeUndefined();
    const text = formatVoteCounts(summary);
    expect(text).toContain("Responses (4 compared):");
    expect(text).toContain("No consensus: no answer is shared by more outputs than any other.");
    expect(text).toContain("Notebooks (3 compared):\n- 2 votes: Output 1, Output 3\n- 1 vote: Output 4");
    expect(text).toContain("Consensus: Output 1, Output 3 (2 of 3, majority).");
  });
});
