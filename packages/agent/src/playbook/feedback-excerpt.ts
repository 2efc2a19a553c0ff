// What a playbook entry and its log keep of the feedback it came from: the text up to 1,000
// characters, or its first 1,000 with its length and SHA-256. One /human_feedback may carry 50
// queries of 10,000 characters, and every entry and log row of it held all 500,000 (25 MB for 50
// insights); the whole feedback stays in the conversation's history, which has its own bounds.

import { createHash } from "node:crypto";

export const FEEDBACK_EXCERPT_CHARS = 1000;

export function feedbackExcerpt(feedback: string): string {
  if (feedback.length <= FEEDBACK_EXCERPT_CHARS) return feedback;
  let head = feedback.slice(0, FEEDBACK_EXCERPT_CHARS);
  // Never half a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  const digest = createHash("sha256").update(feedback, "utf8").digest("hex");
  return `${head}… [${feedback.length} characters, sha256 ${digest}]`;
}
