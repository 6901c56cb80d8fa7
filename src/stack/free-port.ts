// Loopback ports for the stack: free ones chosen by the kernel, or ones the
// user asked for, checked before anything is started so a taken port is a
// clear error instead of a service that dies at start.
import { createServer } from 'node:net';
import { PeakdrillError } from '../model/errors.ts';

export const LOOPBACK = '127.0.0.1';

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : port;
      server.close(() => resolve(chosen));
    });
  });
}

/** Hands out distinct free ports; one allocator per stack start avoids handing the same port twice. */
export class PortAllocator {
  private readonly given = new Set<number>();

  async free(): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const port = await listenOnce(0);
      if (!this.given.has(port)) {
        this.given.add(port);
        return port;
      }
    }
    throw new PeakdrillError(
      'PEAKDRILL_ERR_PORT_IN_USE',
      'could not find a free loopback port after 50 tries',
    );
  }

  /** Claims a port the user asked for; throws naming who wanted it when it is taken. */
  async claim(port: number, who: string): Promise<number> {
    try {
      await listenOnce(port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new PeakdrillError(
        'PEAKDRILL_ERR_PORT_IN_USE',
        `port ${LOOPBACK}:${port} for ${who} is already in use (${code})`,
        {
          hint: `free it (\`ss -ltnp 'sport = :${port}'\` shows who holds it) or choose another port, or leave the port unset to get a free one`,
        },
      );
    }
    this.given.add(port);
    return port;
  }
}
