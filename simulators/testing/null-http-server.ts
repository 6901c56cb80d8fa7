// A null HTTP target in a child process on 127.0.0.1: answers every request
// with 200 `{}` as fast as node:http can, so a load generator measures itself.
// In its own process so it never competes with the generator's event loop.
import { spawn } from 'node:child_process';
import { once } from 'node:events';

const SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '2' });
    res.end('{}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => process.stdout.write('listening ' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
`;

export interface NullServer extends AsyncDisposable {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startNullServer(): Promise<NullServer> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`null server: no port after 10 s (said: ${out})`)),
      10_000,
    );
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`null server exited (code ${code}) before listening`));
    });
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    })();
    return stopping;
  };
  return { url: `http://127.0.0.1:${port}`, pid: child.pid!, stop, [Symbol.asyncDispose]: stop };
}
