// Money arithmetic: integers only. Products that could pass 2^53 are done in BigInt and checked,
// and every transfer is built balanced (its postings sum to zero) so the books cannot drift.
import { accounts, type Posting, type Transfer } from "./model.ts";

/** Largest amount accepted on the wire for a reward or a funding (far below 2^53). */
export const MAX_AMOUNT = 1_000_000_000_000_000;

export class MoneyError extends Error {
  readonly code: "AMOUNT_TOO_LARGE";
  constructor(message: string) {
    super(message);
    this.name = "MoneyError";
    this.code = "AMOUNT_TOO_LARGE";
  }
}

function safe(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new MoneyError(`${what} would exceed the largest safe amount`);
  }
  return Number(value);
}

/** What the client pays into escrow at submission: one reward per replica. */
export function escrowFor(reward: number, replicas: number): number {
  return safe(BigInt(reward) * BigInt(replicas), "reward × replicas");
}

/**
 * What a client reads when its wallet cannot cover a job's escrow: what the job needs against what
 * the wallet has, and how short it is, in the integers of the smallest unit its balance shows.
 */
export function insufficientFundsMessage(input: {
  wallet: string;
  available: number;
  needed: number;
  reward: number;
  replicas: number;
}): string {
  const why =
    input.replicas === 1 ? "its reward" : `a reward of ${input.reward} for each of ${input.replicas} replicas`;
  return (
    `Wallet ${input.wallet} has ${input.available} available, but this job needs ${input.needed} (${why}) held in escrow: ` +
    `${input.needed - input.available} short. Amounts are in the wallet's smallest unit, as its balance shows them.`
  );
}

/** The coordinator's cut of one reward, in basis points, rounded down (the miner keeps the remainder). */
export function feeFor(reward: number, feeBps: number): number {
  return safe((BigInt(reward) * BigInt(feeBps)) / 10_000n, "fee");
}

/** Adds two balances, refusing to leave the safe-integer range. */
export function addAmounts(a: number, b: number): number {
  return safe(BigInt(a) + BigInt(b), "balance");
}

export function walletAccount(address: string): string {
  return address;
}

function transfer(kind: Transfer["kind"], jobId: string | null, postings: Posting[]): Transfer {
  const nonZero = postings.filter((posting) => posting.amount !== 0);
  const sum = nonZero.reduce((total, posting) => total + BigInt(posting.amount), 0n);
  if (sum !== 0n) throw new Error(`unbalanced ${kind} transfer (sum ${sum})`);
  return { kind, jobId, postings: nonZero };
}

export function fundTransfer(address: string, amount: number): Transfer {
  return transfer("fund", null, [
    { account: accounts.funding, amount: -amount },
    { account: walletAccount(address), amount },
  ]);
}

export function escrowTransfer(jobId: string, clientWallet: string, amount: number): Transfer {
  return transfer("escrow", jobId, [
    { account: walletAccount(clientWallet), amount: -amount },
    { account: accounts.escrow, amount },
  ]);
}

export function refundTransfer(jobId: string, clientWallet: string, amount: number): Transfer {
  return transfer("refund", jobId, [
    { account: accounts.escrow, amount: -amount },
    { account: walletAccount(clientWallet), amount },
  ]);
}

/** Pays one agreeing miner its reward out of escrow: reward − fee to the wallet, fee to the fee account. */
export function payoutTransfer(jobId: string, minerWallet: string, reward: number, feeBps: number): Transfer {
  const fee = feeFor(reward, feeBps);
  return transfer("payout", jobId, [
    { account: accounts.escrow, amount: -reward },
    { account: walletAccount(minerWallet), amount: reward - fee },
    { account: accounts.fee, amount: fee },
  ]);
}

/** Net effect of transfers per account (for cached balances). */
export function balanceDeltas(transfers: readonly Transfer[]): Map<string, number> {
  const deltas = new Map<string, number>();
  for (const { postings } of transfers) {
    for (const { account, amount } of postings) deltas.set(account, addAmounts(deltas.get(account) ?? 0, amount));
  }
  return deltas;
}
