// Previous/Next buttons and "wallets 101–200, more follow" for a list the server pages with
// `after` cursors (`next_after` in each answer): the cursors of the pages before this one are kept,
// so Previous is the page that was shown, not a guess.

import { formatInteger } from "../lib/format.ts";

export interface CursorPagerProps {
  /** Plural noun for the buttons and the range line, e.g. "wallets". */
  noun: string;
  /** How the list is ordered, for the range line, e.g. "address order". */
  order: string;
  pageSize: number;
  /** The `after` cursors of the pages before this one (empty on the first). */
  cursors: string[];
  setCursors(cursors: string[]): void;
  /** This page's answer: undefined while none has come. */
  page: { shown: number; nextAfter: string | null } | undefined;
}

export function CursorPager({ noun, order, pageSize, cursors, setCursors, page }: CursorPagerProps) {
  const first = cursors.length * pageSize + 1;
  const nextAfter = page?.nextAfter ?? null;
  return (
    <div className="row">
      {cursors.length > 0 && (
        <button type="button" onClick={() => setCursors(cursors.slice(0, -1))}>
          Previous {noun}
        </button>
      )}
      {nextAfter && (
        <button type="button" onClick={() => setCursors([...cursors, nextAfter])}>
          Next {noun}
        </button>
      )}
      {page && (cursors.length > 0 || nextAfter) && (
        <span className="muted">
          {page.shown === 0
            ? `no more ${noun}`
            : `${noun} ${formatInteger(first)}–${formatInteger(first + page.shown - 1)}`}
          {nextAfter ? ", more follow" : ", the last"} (in {order})
        </span>
      )}
    </div>
  );
}
