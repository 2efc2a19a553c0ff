// The compute miners the coordinator knows, one page at a time in miner id order: online or not,
// what they can run, load and reputation.

import type { MinerView } from "../../api/coordinator.ts";
import { StateBadge } from "../../components/state-badge.tsx";
import { formatAgo } from "../../lib/format.ts";
import { minerWorkloads } from "./miner-capacity.ts";

export function MinerTable({
  miners,
  first,
}: {
  miners: MinerView[];
  /** The position of the page's first miner (1 on the first page). */
  first: number;
}) {
  if (miners.length === 0)
    return <p className="muted">{first > 1 ? "No more miners on this page." : "No miner has sent a heartbeat yet."}</p>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">
          Compute miners, {first} to {first + miners.length - 1} in miner id order
        </caption>
        <thead>
          <tr>
            <th scope="col">Miner</th>
            <th scope="col">Status</th>
            <th scope="col">Workloads</th>
            <th scope="col">Models</th>
            <th scope="col">Hardware</th>
            <th scope="col" className="num">
              In flight
            </th>
            <th scope="col" className="num">
              Reputation
            </th>
            <th scope="col">Last seen</th>
          </tr>
        </thead>
        <tbody>
          {miners.map((miner) => (
            <tr key={miner.miner_id}>
              <td>
                <code>{miner.miner_id}</code>
                {miner.signs_proofs && <span className="muted"> · signs proofs</span>}
              </td>
              <td>
                <StateBadge state={miner.status} />
              </td>
              <td>
                {miner.capabilities?.workloads?.length ? (
                  miner.capabilities.workloads.join(", ")
                ) : (
                  // The coordinator offers a miner that declares none (the seed's miner.sh) torch_bench.
                  <>
                    {minerWorkloads(miner).join(", ")} <span className="muted">(none declared)</span>
                  </>
                )}
              </td>
              <td className="wrap">{miner.capabilities?.models?.join(", ") || "—"}</td>
              <td className="wrap">
                {miner.gpu
                  ? (miner.capabilities?.gpus
                      ?.map((gpu) => `${gpu.name} (${Math.round(gpu.memory_mb / 1024)} GB)`)
                      .join(", ") ?? "GPU")
                  : "CPU"}
                {miner.capabilities?.concurrency
                  ? ` · ${miner.capabilities.concurrency} slot${miner.capabilities.concurrency === 1 ? "" : "s"}`
                  : ""}
              </td>
              <td className="num">{miner.in_flight}</td>
              <td className="num">{miner.reputation}</td>
              <td>{formatAgo(miner.last_seen_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
