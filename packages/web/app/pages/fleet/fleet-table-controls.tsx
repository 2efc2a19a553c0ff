// Above the fleet table: a search box (id, address, model), the quick filters with how many miners
// each would show, and "N of M miners". The filters are toggle buttons in one fieldset, so Tab
// reaches each and a screen reader hears which is on. The box keeps what is typed here and hands
// it on once typing pauses: a key then redraws the box only, not a thousand rows.

import { useEffect, useId, useRef, useState } from "react";
import { formatInteger } from "../../lib/format.ts";
import { type QuickFilter, quickFilterLabels, quickFilters } from "./miner-filters.ts";

/** How long typing pauses before the rows follow. */
export const SEARCH_SETTLE_MS = 200;

export function FleetTableControls(props: {
  /** The search the rows follow. */
  search: string;
  onSearch: (text: string) => void;
  filter: QuickFilter;
  onFilter: (filter: QuickFilter) => void;
  counts: Record<QuickFilter, number>;
  shown: number;
  total: number;
}) {
  const { search, onSearch, filter, onFilter, counts, shown, total } = props;
  const searchId = useId();
  const [text, setText] = useState(search);
  const handedOn = useRef(search);
  // Cleared from outside ("Show all miners"): the box follows.
  useEffect(() => {
    if (search === handedOn.current) return;
    handedOn.current = search;
    setText(search);
  }, [search]);
  useEffect(() => {
    if (text === handedOn.current) return;
    const timer = setTimeout(() => {
      handedOn.current = text;
      onSearch(text);
    }, SEARCH_SETTLE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);
  return (
    <div className="table-tools">
      <div className="field table-search">
        <label htmlFor={searchId}>Search miners</label>
        <input
          id={searchId}
          type="search"
          value={text}
          placeholder="id, address or model"
          autoComplete="off"
          spellCheck={false}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      <fieldset className="quick-filters">
        <legend className="visually-hidden">Show miners</legend>
        {quickFilters.map((id) => (
          <button
            key={id}
            type="button"
            className="small"
            aria-pressed={filter === id}
            title={quickFilterLabels[id].hint}
            onClick={() => onFilter(id)}
          >
            {quickFilterLabels[id].label} <span className="filter-count">{formatInteger(counts[id])}</span>
          </button>
        ))}
      </fieldset>
      <p className="muted table-count" role="status" data-testid="miner-count">
        {formatInteger(shown)} of {formatInteger(total)} miners
      </p>
    </div>
  );
}
