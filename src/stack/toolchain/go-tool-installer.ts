// Installs the Go-built tools (Toxiproxy server, k6): the official release
// binary when it can be fetched, else `go install <module>@<pinned>` from the
// Go module proxy, else a build of the pinned module inside a throwaway module
// (needed when the proxy cannot list a module's versions, which `go install`
// asks for to check deprecations).

import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PeakdrillError } from '../../model/errors.ts';
import { cachePaths } from './cache-paths.ts';
import { tryDownload } from './release-download.ts';
import { runCommand, tail, which } from './run-command.ts';
import { TOOLCHAIN } from './toolchain-versions.ts';

interface GoTool {
  readonly name: 'toxiproxy' | 'k6';
  readonly binary: string;
  readonly version: string;
  /** The package to build: module path plus the main package inside it. */
  readonly pkg: string;
  readonly module: string;
  readonly ldflags: string;
  readonly releaseUrl: string;
  readonly releaseIsTarball: boolean;
}

function goTools(env: NodeJS.ProcessEnv): Record<'toxiproxy' | 'k6', GoTool> {
  const paths = cachePaths(env);
  const t = TOOLCHAIN.toxiproxy;
  const k = TOOLCHAIN.k6;
  return {
    toxiproxy: {
      name: 'toxiproxy',
      binary: paths.toxiproxyBinary,
      version: t.version,
      module: t.goModule,
      pkg: `${t.goModule}/cmd/server`,
      // Without this the server reports version "git" on /version.
      ldflags: `-X ${t.goModule}.Version=${t.version}`,
      releaseUrl: `https://github.com/Shopify/toxiproxy/releases/download/v${t.version}/toxiproxy-server-linux-amd64`,
      releaseIsTarball: false,
    },
    k6: {
      name: 'k6',
      binary: paths.k6Binary,
      version: k.version,
      module: k.goModule,
      pkg: k.goModule,
      ldflags: '',
      releaseUrl: `https://github.com/grafana/k6/releases/download/v${k.version}/k6-v${k.version}-linux-amd64.tar.gz`,
      releaseIsTarball: true,
    },
  };
}

async function fromRelease(
  tool: GoTool,
  work: string,
  log: (line: string) => void,
): Promise<string | undefined> {
  if (process.arch !== 'x64' || process.platform !== 'linux') return undefined;
  const file = join(work, tool.releaseIsTarball ? 'release.tgz' : 'release-bin');
  if (!(await tryDownload(tool.releaseUrl, file, log))) return undefined;
  if (!tool.releaseIsTarball) return file;
  const untar = await runCommand('tar', ['xzf', file, '-C', work, '--strip-components=1']);
  const bin = join(work, 'k6');
  return untar.code === 0 && existsSync(bin) ? bin : undefined;
}

async function fromGoInstall(
  tool: GoTool,
  work: string,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
) {
  const gobin = join(work, 'gobin');
  const goEnv = { ...env, GOBIN: gobin, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const args = ['install', '-trimpath'];
  if (tool.ldflags) args.push('-ldflags', tool.ldflags);
  args.push(`${tool.pkg}@v${tool.version}`);
  log(`${tool.name}: go install ${tool.pkg}@v${tool.version}`);
  const result = await runCommand('go', args, { env: goEnv, timeoutMs: 1_200_000 });
  if (result.code === 0) {
    const built = join(gobin, tool.pkg.endsWith('/cmd/server') ? 'server' : tool.name);
    if (existsSync(built)) return built;
  }
  log(`${tool.name}: go install failed (${tail(result.stderr, 2)}); building the pinned module directly`);
  const mod = join(work, 'mod');
  await mkdir(mod, { recursive: true });
  await writeFile(join(mod, 'go.mod'), 'module peakdrill.local/toolbuild\n\ngo 1.22\n');
  const get = await runCommand('go', ['get', `${tool.module}@v${tool.version}`], {
    cwd: mod,
    env: goEnv,
    timeoutMs: 600_000,
  });
  if (get.code !== 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_SETUP',
      `could not fetch ${tool.module}@v${tool.version} from the Go module proxy: ${tail(get.stderr, 4)}`,
      {
        hint: 'check `go env GOPROXY` reaches a Go module proxy, then run `peakdrill setup` again',
      },
    );
  }
  const out = join(work, `${tool.name}-built`);
  const buildArgs = ['build', '-trimpath', '-o', out];
  if (tool.ldflags) buildArgs.push('-ldflags', tool.ldflags);
  buildArgs.push(tool.pkg);
  const build = await runCommand('go', buildArgs, { cwd: mod, env: goEnv, timeoutMs: 1_200_000 });
  if (build.code !== 0) {
    throw new PeakdrillError(
      'PEAKDRILL_ERR_SETUP',
      `go build of ${tool.pkg}@v${tool.version} failed: ${tail(build.stderr, 4)}`,
      {
        hint: 'check the Go toolchain (`go version`, 1.22+), then run `peakdrill setup` again',
      },
    );
  }
  return out;
}

export async function ensureGoTool(
  name: 'toxiproxy' | 'k6',
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<string> {
  const tool = goTools(env)[name];
  if (existsSync(tool.binary)) return tool.binary;
  const work = await mkdtemp(join(tmpdir(), `peakdrill-${name}-`));
  try {
    let built = await fromRelease(tool, work, log);
    if (!built) {
      if (!(await which('go'))) {
        throw new PeakdrillError(
          'PEAKDRILL_ERR_MISSING_TOOL',
          `Go is needed to build ${name} ${tool.version} (no release download was reachable)`,
          {
            hint: 'install Go 1.22+ (https://go.dev/doc/install or `apt-get install golang`), then run `peakdrill setup` again',
          },
        );
      }
      built = await fromGoInstall(tool, work, env, log);
    }
    await mkdir(dirname(tool.binary), { recursive: true });
    await copyFile(built, `${tool.binary}.partial`);
    await chmod(`${tool.binary}.partial`, 0o755);
    await rename(`${tool.binary}.partial`, tool.binary);
    return tool.binary;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
