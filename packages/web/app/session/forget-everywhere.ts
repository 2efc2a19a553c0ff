// "Forget keys" logs out every open tab of the dashboard, not only the one it was pressed in: each
// tab keeps its own copy of the keys (sessionStorage), so a tab left open elsewhere would go on
// calling the services with keys the person meant to drop. A BroadcastChannel reaches every tab of
// this origin in the same browser profile; the message carries no key, only the word to forget.

const FORGET = "forget-keys";

// One channel per tab for sending and hearing: a channel never hears its own messages, so the tab
// that forgot is not told that another one did.
let channel: BroadcastChannel | null = null;
const tabChannel = () => {
  channel ??= new BroadcastChannel("pithead-dashboard-session");
  return channel;
};

/** Tells every other tab of this dashboard to forget its keys (this tab forgets its own). */
export function announceForget(): void {
  tabChannel().postMessage(FORGET);
}

/** Calls `onForget` when another tab forgot the keys; returns the unsubscribe. */
export function onForgottenElsewhere(onForget: () => void): () => void {
  const listener = (event: MessageEvent) => {
    if (event.data === FORGET) onForget();
  };
  tabChannel().addEventListener("message", listener);
  return () => tabChannel().removeEventListener("message", listener);
}
