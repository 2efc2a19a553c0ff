// A column header that sorts the table: a button inside the header cell (a click, Enter or Space),
// the cell's aria-sort saying which way, and an arrow for the eye.

import type { ReactNode } from "react";
import type { SortKey, SortState } from "./miner-sort.ts";

export function SortHeader(props: {
  column: SortKey;
  sort: SortState | null;
  onSort: (column: SortKey) => void;
  numeric?: boolean;
  children: ReactNode;
}) {
  const { column, sort, onSort, numeric = false, children } = props;
  const direction = sort?.key === column ? sort.direction : null;
  return (
    <th scope="col" className={numeric ? "num" : undefined} aria-sort={direction ?? "none"}>
      <button type="button" className="sort-button" onClick={() => onSort(column)}>
        {children}
        <span className={direction ? "sort-arrow" : "sort-arrow idle"} aria-hidden="true">
          {direction === "descending" ? "▼" : "▲"}
        </span>
      </button>
    </th>
  );
}
