// A column header that sorts the table: a button inside the header cell (a click, Enter or Space),
// the cell's aria-sort saying which way, and an arrow for the eye. A unit goes on a line of its own
// under the name, so a column of short figures is not as wide as "Expected TH/s".

import type { ReactNode } from "react";
import type { SortKey, SortState } from "./miner-sort.ts";

export function SortHeader(props: {
  column: SortKey;
  sort: SortState | null;
  onSort: (column: SortKey) => void;
  numeric?: boolean;
  /** "TH/s", "°C": read with the name ("Hashrate TH/s"), shown under it. */
  unit?: string;
  /** The column's own class (one a narrow screen hides). */
  className?: string;
  children: ReactNode;
}) {
  const { column, sort, onSort, numeric = false, unit, className, children } = props;
  const direction = sort?.key === column ? sort.direction : null;
  const arrow = (
    <span className={direction ? "sort-arrow" : "sort-arrow idle"} aria-hidden="true">
      {direction === "descending" ? "▼" : "▲"}
    </span>
  );
  return (
    <th
      scope="col"
      className={[numeric ? "num" : "", className ?? ""].filter(Boolean).join(" ") || undefined}
      aria-sort={direction ?? "none"}
    >
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {children}
        {/* The arrow goes with the unit, on the line under the name. */}
        {unit ? (
          <span className="sort-unit">
            {" "}
            {unit}
            {arrow}
          </span>
        ) : (
          arrow
        )}
      </button>
    </th>
  );
}
