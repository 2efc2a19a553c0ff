import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { accounts } from "./model.ts";
import {
  balanceDeltas,
  escrowFor,
  escrowTransfer,
  feeFor,
  fundTransfer,
  MAX_AMOUNT,
  MoneyError,
  payoutTransfer,
  refundTransfer,
} from "./money.ts";

const sum = (postings: { amount: number }[]) => postings.reduce((total, posting) => total + posting.amount, 0);

describe("money", () => {
  it("rounds the fee down so the miner keeps the remainder", () => {
    expect(feeFor(999, 100)).toBe(9);
    expect(feeFor(100, 250)).toBe(2);
    expect(feeFor(1, 9_999)).toBe(0);
    expect(feeFor(1_000, 10_000)).toBe(1_000);
  });

  it("computes fees on the largest rewards exactly (no float rounding)", () => {
    expect(feeFor(MAX_AMOUNT, 333)).toBe(33_300_000_000_000);
    expect(feeFor(9_007_199_254_740_991, 1)).toBe(900_719_925_474);
  });

  it("refuses an escrow that would pass the safe-integer range", () => {
    expect(() => escrowFor(MAX_AMOUNT * 9, 2)).toThrow(MoneyError);
    expect(escrowFor(MAX_AMOUNT, 3)).toBe(3 * MAX_AMOUNT);
  });

  it("builds every transfer balanced, whatever the amounts and fee", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_AMOUNT }), fc.integer({ min: 0, max: 10_000 }), (amount, bps) => {
        for (const transfer of [
          fundTransfer("w", amount),
          escrowTransfer("j", "c", amount),
          refundTransfer("j", "c", amount),
          payoutTransfer("j", "m", amount, bps),
        ]) {
          expect(sum(transfer.postings)).toBe(0);
          for (const posting of transfer.postings) expect(Number.isSafeInteger(posting.amount)).toBe(true);
        }
      }),
    );
  });

  it("pays reward − fee to the miner and the fee to the fee account, out of escrow", () => {
    const transfer = payoutTransfer("j1", "miner_w", 1_000, 500);
    expect(transfer.postings).toEqual([
      { account: accounts.escrow, amount: -1_000 },
      { account: "miner_w", amount: 950 },
      { account: accounts.fee, amount: 50 },
    ]);
  });

  it("drops zero postings (a free job moves no money)", () => {
    expect(escrowTransfer("j", "c", 0).postings).toEqual([]);
    expect(payoutTransfer("j", "m", 10, 0).postings.map((posting) => posting.account)).toEqual([accounts.escrow, "m"]);
  });

  it("nets transfers per account", () => {
    const deltas = balanceDeltas([fundTransfer("c", 500), escrowTransfer("j", "c", 200), refundTransfer("j", "c", 50)]);
    expect(deltas.get("c")).toBe(350);
    expect(deltas.get(accounts.escrow)).toBe(150);
    expect(deltas.get(accounts.funding)).toBe(-500);
  });
});
