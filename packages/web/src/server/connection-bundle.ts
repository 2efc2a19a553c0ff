// What POST /session hands the browser after the right login code: the URLs of the services and
// the keys `pithead up` created, so the user does not copy them by hand. The browser keeps it in
// sessionStorage; the dashboard server never stores it anywhere else.

export interface ConnectionBundle {
  coordinator?: {
    url: string;
    /** Admin key: stats, miners, wallets, every job, the ledger. */
    adminKey?: string;
    /** Client key: submits jobs, paid from its wallet. */
    clientKey?: string;
    clientWallet?: string;
  };
  fleet?: { url: string; operators: { id: string; secret: string }[] };
  agent?: { url: string; apiKey?: string };
}
