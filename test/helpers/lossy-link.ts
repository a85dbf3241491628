/** A TCP hop that can lose what one side says: for tests of answers lost on the network. */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LossyLink {
  /** Where to connect instead of the target. */
  port: number;
  url: string;
  /**
   * From now on (or, with `marker`, from the first chunk sent to the target that contains it), everything
   * the target sends is dropped; what is sent to it still gets there.
   */
  swallow(marker?: string): void;
  /** Cuts every connection through the link (and stops swallowing: new connections work). */
  cut(): void;
  close(): Promise<void>;
}

/** A TCP hop in front of 127.0.0.1:`targetPort`. */
export async function lossyLink(targetPort: number, scheme = 'http'): Promise<LossyLink> {
  const conns = new Set<Socket>();
  let swallowing = false;
  let marker: string | null = null;
  const server: Server = createServer((down) => {
    const up = connect(targetPort, '127.0.0.1');
    conns.add(down).add(up);
    down.on('data', (d: Buffer) => {
      if (marker !== null && d.includes(marker)) {
        swallowing = true;
        marker = null;
      }
      up.write(d);
    });
    up.on('data', (d) => swallowing || down.write(d));
    for (const [a, b] of [[down, up], [up, down]] as const) {
      a.on('error', () => b.destroy());
      a.on('close', () => {
        conns.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    swallow(m) {
      if (m === undefined) swallowing = true;
      else marker = m;
    },
    cut() {
      for (const c of conns) c.destroy();
      swallowing = false;
      marker = null;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.destroy();
        server.close(() => r());
      }),
  };
}
