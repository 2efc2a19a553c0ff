// Wallets and their balances (system accounts included), in the smallest unit, one page at a time
// in address order. The client wallet of this tab stays on top whichever page is shown.

import type { Wallet } from "../../api/coordinator.ts";
import { formatAgo, formatInteger } from "../../lib/format.ts";

export function WalletTable({
  wallets,
  highlight,
  pinned,
  first,
}: {
  wallets: Wallet[];
  highlight?: string;
  /** The client wallet when it is not on this page. */
  pinned?: Wallet;
  /** The position of the page's first wallet (1 on the first page). */
  first: number;
}) {
  if (wallets.length === 0 && !pinned) return <p className="muted">No wallet has a balance yet.</p>;
  const row = (wallet: Wallet, note?: string) => (
    <tr key={`${note ?? ""}${wallet.address}`} className={wallet.address === highlight ? "highlight" : undefined}>
      <td>
        <code>{wallet.address}</code>
        {wallet.address === highlight && <span className="muted"> · your client wallet{note}</span>}
      </td>
      <td className="num">{formatInteger(wallet.balance)}</td>
      <td>{formatAgo(wallet.updated_at)}</td>
    </tr>
  );
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">
          Wallets and balances,{" "}
          {wallets.length === 0 ? "none on this page" : `${first} to ${first + wallets.length - 1}`} in address order
        </caption>
        <thead>
          <tr>
            <th scope="col">Wallet</th>
            <th scope="col" className="num">
              Balance
            </th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {pinned && row(pinned, " (kept on top; not on this page)")}
          {wallets.map((wallet) => row(wallet))}
        </tbody>
      </table>
    </div>
  );
}
