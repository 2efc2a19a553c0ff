// The fleet table's search, quick filter and sort in the address (?search=…&show=…&sort=-power), so
// a reload or a shared link shows the same rows. Other parameters (the operator) are kept; a value
// this version does not know is ignored rather than an error.

import { type QuickFilter, quickFilters } from "./miner-filters.ts";
import { type SortKey, type SortState, sortKeys } from "./miner-sort.ts";

export interface TableQuery {
  search: string;
  filter: QuickFilter;
  sort: SortState | null;
}

export const emptyTableQuery: TableQuery = { search: "", filter: "all", sort: null };

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

export function readTableQuery(params: URLSearchParams): TableQuery {
  const show = params.get("show") ?? "";
  const sort = params.get("sort") ?? "";
  const key = sort.replace(/^-/, "");
  return {
    search: params.get("search") ?? "",
    filter: isOneOf(quickFilters, show) ? show : "all",
    sort: isOneOf<SortKey>(sortKeys, key)
      ? { key, direction: sort.startsWith("-") ? "descending" : "ascending" }
      : null,
  };
}

/** `params` with the table's state in place of what they said of it; defaults are left out. */
export function writeTableQuery(params: URLSearchParams, query: TableQuery): URLSearchParams {
  const next = new URLSearchParams(params);
  const search = query.search.trim();
  if (search) next.set("search", search);
  else next.delete("search");
  if (query.filter !== "all") next.set("show", query.filter);
  else next.delete("show");
  if (query.sort) next.set("sort", `${query.sort.direction === "descending" ? "-" : ""}${query.sort.key}`);
  else next.delete("sort");
  return next;
}
