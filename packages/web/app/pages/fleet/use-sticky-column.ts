// The width of a table's sticky first column, kept in a CSS variable on its scrolling frame: the
// frame's scroll-padding uses it, so a column that scrolls sideways comes to rest beside the sticky
// one instead of half under it (styles.css, .fleet-table-wrap).

import { type RefObject, useEffect } from "react";

export function useStickyColumnWidth(frame: RefObject<HTMLElement | null>, present: boolean): void {
  useEffect(() => {
    const wrap = frame.current;
    const first = wrap?.querySelector("thead th");
    if (!present || !wrap || !(first instanceof HTMLElement)) return;
    const observer = new ResizeObserver(() => {
      wrap.style.setProperty("--sticky-width", `${first.getBoundingClientRect().width}px`);
    });
    observer.observe(first);
    return () => observer.disconnect();
  }, [frame, present]);
}
