// Contract: fundWallet
//   Credits a wallet from the funding account (the only way money enters the books).
//   Refuses (before writing): an amount that would leave the safe-integer range.
import { addAmounts, fundTransfer, MoneyError } from "../core/money.ts";
import { errors } from "../errors.ts";
import type { Tx } from "../store/types.ts";
import { moveMoney } from "./transfers.ts";

export async function fundWallet(
  tx: Tx,
  address: string,
  amount: number,
): Promise<{ address: string; balance: number }> {
  const before = await tx.balance(address);
  try {
    addAmounts(before, amount);
  } catch (error) {
    if (error instanceof MoneyError) throw errors.error("AMOUNT_TOO_LARGE", { field: "body.amount" }, error.message);
    throw error;
  }
  const transfer = await moveMoney(tx, fundTransfer(address, amount));
  await tx.record("coordinator.wallet.funded", { address, amount, transfer });
  return { address, balance: await tx.balance(address) };
}
