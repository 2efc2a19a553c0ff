// A job's leases: who held it, how each lease ended, and why one ended without a proof (the miner's
// fail code and message, e.g. a prompt too long for its model): a job back in the queue says why.

import type { Job } from "../../api/coordinator.ts";
import { formatTime, shortHash } from "../../lib/format.ts";

export function LeaseTable({ leases }: { leases: NonNullable<Job["leases"]> }) {
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Miner</th>
            <th scope="col">State</th>
            <th scope="col">Attempt</th>
            <th scope="col">Leased</th>
            <th scope="col">Output hash</th>
            <th scope="col">Verdict</th>
          </tr>
        </thead>
        <tbody>
          {leases.map((lease) => (
            <tr key={`${lease.miner_id}-${lease.attempt}`}>
              <td>
                <code>{lease.miner_id}</code>
              </td>
              <td>
                {lease.state}
                {lease.error && (
                  <div className="lease-error">
                    <code>{lease.error.code}</code> {lease.error.message}
                  </div>
                )}
              </td>
              <td>{lease.attempt}</td>
              <td>{formatTime(lease.leased_at)}</td>
              <td>
                <code>{shortHash(lease.output_sha)}</code>
              </td>
              <td>{lease.verdict ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
