// The fleet table's search, quick filter and sort: read from the address when the table mounts,
// written back (replacing the history entry: typing is not a page to go back to) when they change.

import { useEffect, useMemo, useState } from "react";
import { navigate } from "../../lib/router.tsx";
import type { QuickFilter } from "./miner-filters.ts";
import type { SortState } from "./miner-sort.ts";
import { emptyTableQuery, readTableQuery, type TableQuery, writeTableQuery } from "./table-query.ts";

export function useTableQuery() {
  // Rendered outside a browser (tests render to HTML), there is no address to read.
  const [query, setQuery] = useState<TableQuery>(() =>
    typeof window === "undefined" ? emptyTableQuery : readTableQuery(new URLSearchParams(window.location.search)),
  );
  useEffect(() => {
    const params = writeTableQuery(new URLSearchParams(window.location.search), query).toString();
    navigate(`${window.location.pathname}${params ? `?${params}` : ""}`, { replace: true });
  }, [query]);

  // The same functions on every render: the search box's pause timer depends on its setter.
  const set = useMemo(
    () => ({
      setSearch: (search: string) => setQuery((current) => ({ ...current, search })),
      setFilter: (filter: QuickFilter) => setQuery((current) => ({ ...current, filter })),
      setSort: (sort: SortState) => setQuery((current) => ({ ...current, sort })),
      /** Search and filter cleared at once (the sort stays). */
      showAll: () => setQuery((current) => ({ ...current, search: "", filter: "all" })),
    }),
    [],
  );
  return { query, ...set };
}
