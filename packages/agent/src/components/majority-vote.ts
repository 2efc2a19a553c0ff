// A real majority vote over previous outputs for /aggregate. The reference only asked the model to
// "use majority voting"; here answers that are identical once normalised (case, spacing, quotes,
// trailing punctuation) are counted, and the counts go into the prompt and pick the notebook.

import { hasNotebook } from "./notebook.ts";
import type { PreviousOutput } from "./types.ts";

export interface VoteGroup {
  /** 1-based output numbers, as the prompt names them ("Output 2"). */
  outputs: number[];
  /** The first output's original text: what the group stands for. */
  text: string;
}

export interface Vote {
  /** Outputs that took part (for notebooks: those with a notebook). */
  total: number;
  /** Largest group first; ties keep the order of first appearance. */
  groups: VoteGroup[];
  /** The group with more votes than any other, when at least two outputs agree. */
  winner: VoteGroup | undefined;
  /** The winner holds more than half of the votes. */
  majority: boolean;
}

export interface VoteSummary {
  responses: Vote;
  notebooks: Vote;
}

/** Same answer up to Unicode form, case, whitespace, wrapping quotes/markdown and final punctuation. */
export function normaliseAnswer(text: string): string {
  return text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/^["'`*_\s]+/, "")
    .replace(/["'`*_.!?\s]+$/, "");
}

export function vote(texts: { output: number; text: string }[]): Vote {
  const byKey = new Map<string, VoteGroup>();
  for (const { output, text } of texts) {
    const key = normaliseAnswer(text);
    const group = byKey.get(key);
    if (group) group.outputs.push(output);
    else byKey.set(key, { outputs: [output], text });
  }
  // Map iteration follows insertion, and Array.prototype.sort is stable: ties stay in order.
  const groups = [...byKey.values()].sort((a, b) => b.outputs.length - a.outputs.length);
  const [first, second] = groups;
  const winner =
    first && first.outputs.length >= 2 && (!second || first.outputs.length > second.outputs.length) ? first : undefined;
  return { total: texts.length, groups, winner, majority: !!winner && winner.outputs.length * 2 > texts.length };
}

export function voteOnOutputs(previous: PreviousOutput[]): VoteSummary {
  const numbered = previous.map((prev, index) => ({ prev, output: index + 1 }));
  return {
    responses: vote(numbered.map(({ prev, output }) => ({ output, text: prev.output.immediate_response }))),
    notebooks: vote(
      numbered
        .filter(({ prev }) => hasNotebook(prev.output.notebook))
        .map(({ prev, output }) => ({ output, text: prev.output.notebook })),
    ),
  };
}

const outputList = (outputs: number[]) => outputs.map((n) => `Output ${n}`).join(", ");

function describe(label: string, result: Vote): string {
  if (result.total === 0) return `${label}: none of the outputs has one.`;
  const lines = [`${label} (${result.total} compared):`];
  for (const group of result.groups) {
    const plural = group.outputs.length === 1 ? "vote" : "votes";
    lines.push(`- ${group.outputs.length} ${plural}: ${outputList(group.outputs)}`);
  }
  if (result.winner) {
    const kind = result.majority ? "majority" : "plurality, no absolute majority";
    lines.push(
      `Consensus: ${outputList(result.winner.outputs)} (${result.winner.outputs.length} of ${result.total}, ${kind}).`,
    );
  } else {
    lines.push("No consensus: no answer is shared by more outputs than any other.");
  }
  return lines.join("\n");
}

/** The block added to the aggregate prompt. */
export function formatVoteCounts(summary: VoteSummary): string {
  return [
    "Vote counts (computed by comparing the outputs' normalised text; identical answers count as one position):",
    describe("Responses", summary.responses),
    describe("Notebooks", summary.notebooks),
  ].join("\n");
}
