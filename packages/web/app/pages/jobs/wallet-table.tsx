// Wallets and their balances (system accounts included), in the smallest unit.

import type { Wallet } from "../../api/coordinator.ts";
import { formatAgo, formatInteger } from "../../lib/format.ts";

export function WalletTable({ wallets, highlight }: { wallets: Wallet[]; highlight?: string }) {
  if (wallets.length === 0) return <p className="muted">No wallet has a balance yet.</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">Wallets and balances</caption>
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
          {wallets.map((wallet) => (
            <tr key={wallet.address} className={wallet.address === highlight ? "highlight" : undefined}>
              <td>
                <code>{wallet.address}</code>
                {wallet.address === highlight && <span className="muted"> · your client wallet</span>}
              </td>
              <td className="num">{formatInteger(wallet.balance)}</td>
              <td>{formatAgo(wallet.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
