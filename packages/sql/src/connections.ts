// PostgreSQL connections that survive losing the server. pg emits 'error' on a client whose
// connection drops; the pool listens for it only while a client is idle, so a client checked out
// (inside a transaction) or opened on its own would crash the process through an unhandled 'error'
// event. The queries in flight already fail with that error, and a broken client leaves the pool
// on release (it is no longer queryable): the listeners here only keep the event handled.
import pg from "pg";

const handled = () => {};

/** A client from `pool`, with its connection errors handled until it is released. */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  client.on("error", handled);
  const release = client.release;
  client.release = (error?: Error | boolean) => {
    client.removeListener("error", handled);
    return release.call(client, error);
  };
  return client;
}

/** A connected client of its own (migrations, one-off work), its connection errors handled. */
export async function openClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", handled);
  await client.connect();
  return client;
}
