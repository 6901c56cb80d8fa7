// The reference store as an OS process (one per region, so region loss can kill
// it): configuration from PEAKDRILL_STORE_* variables, one line
// `peakdrill-store listening <url>` on stdout when ready, clean exit on SIGTERM/SIGINT.
import { isPeakdrillError } from '../model/errors.ts';
import { parseStoreConfig } from './store-config.ts';
import { startStore } from './store-server.ts';

async function main(): Promise<void> {
  const config = parseStoreConfig(process.env);
  const store = await startStore(config);
  process.stdout.write(`peakdrill-store listening ${store.url}\n`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    // A second signal, or a stop that hangs on a dead link, must still end the process.
    setTimeout(() => process.exit(1), 10_000).unref();
    store.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `peakdrill-store: error while stopping on ${signal}: ${(error as Error).message}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  const hint = isPeakdrillError(error) && error.hint ? `\nhint: ${error.hint}` : '';
  process.stderr.write(`peakdrill-store: ${(error as Error).message}${hint}\n`);
  process.exit(2);
});
