// The reference's insight extraction prompt (playbook_service.py), word for word; the entry cap
// is filled in from the configuration instead of a hard-coded 50.

import type { PlaybookEntry } from "./types.ts";

export interface ExtractionPromptInput {
  feedback: string;
  /** Recent conversation lines, or "" for none. */
  context: string;
  existing: Pick<PlaybookEntry, "insight_type" | "key" | "value">[];
  maxEntries: number;
}

export function extractionPrompt({ feedback, context, existing, maxEntries }: ExtractionPromptInput): string {
  const existingPlaybook =
    existing.length > 0
      ? existing.map((entry) => `  [${entry.key}] (${entry.insight_type}): ${entry.value}`).join("\n")
      : "  (empty - no entries yet)";
  return `You are an expert at extracting CONCISE, ACTIONABLE insights from human feedback.

The user's playbook can store a MAXIMUM of ${maxEntries} entries. Each entry must be:
- **Concise** (1-2 sentences max)
- **Actionable** (clear preference, instruction, or fact)
- **Useful** (helps improve future interactions)

CURRENT PLAYBOOK (${existing.length}/${maxEntries} entries):
${existingPlaybook}

NEW FEEDBACK:
${feedback}

CONTEXT:
${context || "No previous context"}

Your task: Extract insights and decide operations intelligently.

**OPERATION RULES:**
1. **insert**: Add NEW knowledge not in playbook (only if valuable)
2. **update**: REPLACE existing entry if new feedback contradicts or refines it
3. **delete**: Remove entry if user says "forget", "ignore", or it's no longer relevant

**EXTRACTION RULES:**
- Extract ONLY the most important, actionable insights
- Keep "value" CONCISE (1-2 sentences, <100 chars preferred)
- Check existing playbook to AVOID duplicates
- Use "update" instead of "insert" if similar key exists
- Consolidate related insights when possible
- If playbook is near ${maxEntries} entries, be VERY selective or use "update"/"delete"

**OUTPUT FORMAT:**
\`\`\`json
[
  {
    "insight_type": "preference|instruction|fact|correction|context|constraint",
    "key": "short_topic_key",
    "value": "Concise insight in 1-2 sentences",
    "operation": "insert|update|delete",
    "confidence_score": 0.7-1.0,
    "tags": ["tag1", "tag2"]
  }
]
\`\`\`

**EXAMPLE (GOOD - Concise):**
\`\`\`json
[
  {
    "insight_type": "preference",
    "key": "response_style",
    "value": "Prefers concise answers with code examples",
    "operation": "insert",
    "confidence_score": 0.9,
    "tags": ["communication"]
  }
]
\`\`\`

**EXAMPLE (BAD - Too verbose):**
❌ "value": "The user has indicated that they prefer responses that are concise and to the point, and they also mentioned that including code examples would be very helpful for understanding..."

Extract insights now:`;
}
