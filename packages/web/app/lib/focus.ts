// Keyboard focus where a person expects it when what they were on goes away: on the new page's
// heading after any navigation, on the Confirm button of an ask-once-more toggle when it appears.
// Left on a removed element, focus drops to <body> and the next Tab starts from the top.

/** Focuses the page's heading (or <main> when a page has none), as a screen reader then announces it. */
export function focusPageHeading(): void {
  const main = document.getElementById("main");
  const target = main?.querySelector("h1") ?? main;
  if (!(target instanceof HTMLElement)) return;
  if (!target.hasAttribute("tabindex")) target.tabIndex = -1;
  target.focus({ preventScroll: true });
}

/** A ref callback that focuses its element when it is mounted. */
export function focusOnMount(element: HTMLElement | null): void {
  element?.focus();
}
