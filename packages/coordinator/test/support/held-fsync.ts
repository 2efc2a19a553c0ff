// An fsync the test finishes by hand (WalSync's `fsync` seam): each call waits in `calls` until
// `release` ends it, with success or the error given.

export function heldFsync() {
  const calls: { fd: number; done: (error: Error | null) => void }[] = [];
  return {
    calls,
    fsync: (fd: number, done: (error: Error | null) => void) => calls.push({ fd, done }),
    release(error: Error | null = null) {
      const call = calls.shift();
      if (!call) throw new Error("no fsync is running");
      call.done(error);
    },
  };
}
