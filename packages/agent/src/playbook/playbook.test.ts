import { describe, expect, it } from "vitest";
import { extractionPrompt } from "./extraction-prompt.ts";
import { feedbackNotebook, formatFeedbackAnswer, NO_INSIGHTS_ANSWER } from "./feedback-answer.ts";
import { formatPlaybookContext } from "./format-context.ts";
import { parseInsights, validateInsight } from "./insights.ts";
import { planInsights } from "./plan.ts";
import type { Insight } from "./types.ts";

const valid = { insight_type: "preference", key: "style", value: "Be brief", operation: "insert" };

describe("parsing the extraction answer", () => {
  it("keeps valid items from a fenced list and drops the invalid ones", () => {
    const answer = `Here:\n\`\`\`json\n${JSON.stringify([
      valid,
      { ...valid, key: "k2", confidence_score: 0.95, tags: ["a"] },
      { ...valid, insight_type: "opinion" },
      { ...valid, operation: "upsert" },
      { ...valid, confidence_score: 1.5 },
      { ...valid, confidence_score: "high" },
      { ...valid, key: "" },
      { ...valid, key: 12 },
      { ...valid, value: { nested: true } },
      { ...valid, tags: "a,b" },
      { insight_type: "fact", key: "k" },
      "just a string",
      null,
    ])}\n\`\`\``;
    const parsed = parseInsights(answer);
    expect(parsed.insights).toEqual([valid, { ...valid, key: "k2", confidence_score: 0.95, tags: ["a"] }]);
    expect(parsed.rejected).toBe(11);
    expect(parsed.notAList).toBe(false);
  });

  it("returns nothing for prose, broken JSON or a non-list", () => {
    for (const answer of ["no insights", "[{", JSON.stringify(valid)]) {
      expect(parseInsights(answer)).toEqual({ insights: [], rejected: 0, notAList: true });
    }
  });

  it("allows an empty value only for deletes, and trims keys", () => {
    expect(validateInsight({ ...valid, value: "" })).toBeUndefined();
    expect(validateInsight({ ...valid, operation: "delete", value: "" })).toMatchObject({ operation: "delete" });
    expect(validateInsight({ ...valid, key: "  style " })?.key).toBe("style");
    expect(validateInsight({ ...valid, key: "k".repeat(201) })).toBeUndefined();
  });
});

describe("planning operations", () => {
  const insight = (key: string, operation: Insight["operation"]): Insight => ({
    insight_type: "fact",
    key,
    value: "v",
    operation,
  });

  it("inserts new keys, updates known ones, deletes known ones", () => {
    const steps = planInsights(["a"], [insight("a", "insert"), insight("b", "update"), insight("a", "delete")], 50);
    expect(steps.map((s) => [s.kind, s.insight.key])).toEqual([
      ["update", "a"],
      ["insert", "b"],
      ["delete", "a"],
    ]);
  });

  it("skips inserts and unknown updates at the cap, and deletes of unknown keys", () => {
    const steps = planInsights(["a", "b"], [insight("c", "insert"), insight("d", "update"), insight("z", "delete")], 2);
    expect(steps).toEqual([
      { kind: "skip", insight: insight("c", "insert"), reason: "Playbook limit reached (2 entries)" },
      { kind: "skip", insight: insight("d", "update"), reason: "Playbook limit reached (2 entries)" },
      { kind: "skip", insight: insight("z", "delete"), reason: 'No active entry with key "z"' },
    ]);
  });

  it("treats two inserts of one new key in a feedback as insert then update", () => {
    expect(planInsights([], [insight("k", "insert"), insight("k", "insert")], 1).map((s) => s.kind)).toEqual([
      "insert",
      "update",
    ]);
  });
});

describe("playbook text", () => {
  it("formats the context grouped by type in order of first appearance", () => {
    expect(
      formatPlaybookContext([
        { insight_type: "fact", key: "lang", value: "Python", tags: [] },
        { insight_type: "preference", key: "style", value: "brief", tags: ["tone", "length"] },
        { insight_type: "fact", key: "os", value: "Linux", tags: [] },
      ]),
    ).toBe(
      "=== USER'S PLAYBOOK (Knowledge Base) ===\n\n## FACT:\n  • lang: Python\n  • os: Linux\n\n## PREFERENCE:\n" +
        "  • style: brief\n    Tags: tone, length\n\n=== END PLAYBOOK ===",
    );
  });

  it("puts the cap, the playbook, the feedback and the context into the extraction prompt", () => {
    const prompt = extractionPrompt({
      feedback: "Use metric units",
      context: "user: hi...",
      existing: [{ insight_type: "fact", key: "units", value: "imperial" }],
      maxEntries: 20,
    });
    expect(prompt).toContain("MAXIMUM of 20 entries");
    expect(prompt).toContain("CURRENT PLAYBOOK (1/20 entries):\n  [units] (fact): imperial\n");
    expect(prompt).toContain("NEW FEEDBACK:\nUse metric units\n\nCONTEXT:\nuser: hi...\n");
    expect(prompt).toMatch(/Extract insights now:$/);
    expect(extractionPrompt({ feedback: "f", context: "", existing: [], maxEntries: 50 })).toContain(
      "CONTEXT:\nNo previous context",
    );
  });

  it("reports what was done, what was not and why, and the real number of active entries", () => {
    const insert: Insight = {
      ...valid,
      insight_type: "preference",
      operation: "insert",
      confidence_score: 0.85,
      tags: ["t"],
    };
    const skipped: Insight = { insight_type: "fact", key: "x", value: "y", operation: "insert" };
    const result = {
      outcomes: [
        { insight: insert, applied: true, performed: "insert" as const },
        { insight: skipped, applied: false, error: "Playbook limit reached (2 entries)" },
      ],
      activeCount: 2,
    };
    const text = formatFeedbackAnswer(result);
    expect(text).toContain(
      "➕ **Preference** (insert)\n   Key: `style`\n   Value: Be brief\n   Confidence: 85%\n   Tags: t",
    );
    expect(text).toContain("   ⚠️ Not applied: Playbook limit reached (2 entries)");
    expect(text).toContain("Your playbook now has 2 active entries.");
    expect(formatFeedbackAnswer({ outcomes: [], activeCount: 3 })).toBe(NO_INSIGHTS_ANSWER);
    expect(JSON.parse(feedbackNotebook("fb", [insert, skipped], result))).toEqual({
      feedback: "fb",
      insights_extracted: 2,
      entries_modified: 1,
      insights: [insert, skipped],
    });
  });
});
