// Which stored subtree hashes an RFC 9162 proof needs. Planning is pure arithmetic on sizes; a store
// then fetches the handful of complete-subtree hashes named in the plan (O(log n) of them), so a proof
// never rehashes the partition. Every range below starts at a multiple of its largest power of two,
// which is why it decomposes into complete subtrees.
import { type NodeRef, nodeHash, splitPoint } from "./merkle.ts";

export type Plan = { node: NodeRef } | { left: Plan; right: Plan };

function isPowerOfTwo(n: number): boolean {
  return n > 0 && 2 ** Math.round(Math.log2(n)) === n;
}

/** MTH(D[a:b]) expressed over complete subtrees. */
export function subtreePlan(a: number, b: number): Plan {
  const n = b - a;
  if (n < 1) throw new RangeError(`no subtree of the empty range [${a}, ${b})`);
  if (isPowerOfTwo(n) && a % n === 0) return { node: { level: Math.round(Math.log2(n)), index: a / n } };
  const k = splitPoint(n);
  return { left: subtreePlan(a, a + k), right: subtreePlan(a + k, b) };
}

/** PATH(m, D[0:n]) of RFC 9162 §2.1.3.1, leaf side first. */
export function inclusionPlan(m: number, n: number): Plan[] {
  const out: Plan[] = [];
  const walk = (index: number, a: number, b: number): void => {
    const width = b - a;
    if (width === 1) return;
    const k = splitPoint(width);
    if (index < k) {
      walk(index, a, a + k);
      out.push(subtreePlan(a + k, b));
    } else {
      walk(index - k, a + k, b);
      out.push(subtreePlan(a, a + k));
    }
  };
  walk(m, 0, n);
  return out;
}

/** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true) of RFC 9162 §2.1.4.1, for 0 < m <= n. */
export function consistencyPlan(m: number, n: number): Plan[] {
  const out: Plan[] = [];
  const walk = (size: number, a: number, b: number, complete: boolean): void => {
    const width = b - a;
    if (size === width) {
      if (!complete) out.push(subtreePlan(a, b));
      return;
    }
    const k = splitPoint(width);
    if (size <= k) {
      walk(size, a, a + k, complete);
      out.push(subtreePlan(a + k, b));
    } else {
      walk(size - k, a + k, b, false);
      out.push(subtreePlan(a, a + k));
    }
  };
  if (m > 0 && m < n) walk(m, 0, n, true);
  return out;
}

export function planRefs(plans: readonly Plan[]): NodeRef[] {
  const refs: NodeRef[] = [];
  const seen = new Set<string>();
  const visit = (plan: Plan): void => {
    if ("node" in plan) {
      const key = refKey(plan.node);
      if (!seen.has(key)) {
        seen.add(key);
        refs.push(plan.node);
      }
    } else {
      visit(plan.left);
      visit(plan.right);
    }
  };
  for (const plan of plans) visit(plan);
  return refs;
}

export function refKey(ref: NodeRef): string {
  return `${ref.level}:${ref.index}`;
}

/** Evaluates a plan with fetched node hashes keyed by refKey. */
export function evaluatePlan(plan: Plan, nodes: ReadonlyMap<string, Buffer>): Buffer {
  if ("node" in plan) {
    const hash = nodes.get(refKey(plan.node));
    if (!hash) throw new Error(`tree node ${refKey(plan.node)} is missing from the store`);
    return hash;
  }
  return nodeHash(evaluatePlan(plan.left, nodes), evaluatePlan(plan.right, nodes));
}
