#!/usr/bin/env node
// Entry point: peakdrill runs its TypeScript sources directly (Node >= 22.12
// strips types), so a clone needs no build step.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `peakdrill needs Node.js >= 22.12 (this is ${process.versions.node}). ` +
      'Run `export PATH="$(scripts/ensure-node.sh):$PATH"` from the peakdrill checkout, or install Node 24 LTS.\n',
  );
  process.exit(2);
}
// A reader that goes away (`peakdrill check DIR | head`) is not an error, and must not kill a
// run before it heals its faults: output stops, the command carries on to its end.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
