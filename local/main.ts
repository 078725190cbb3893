// `npm start`: the whole pipeline in one process, on http://127.0.0.1:3000 by default.

import { LegacyDataDirError } from '../adapters/embedded/database.ts';
import { loadPipelineConfig, unsignedSources } from '../functions/config/checks.ts';
import { ConfigError, SecretNotFoundError } from '../functions/config/errors.ts';
import { createLogger } from '../functions/observability/logger.ts';
import { DEVELOPMENT_SECRETS_FLAG, localSecrets } from './dev-secrets.ts';
import { type LocalHost, startLocalHost } from './host.ts';
import { readRuntimeInfo, removeRuntimeInfo, writeRuntimeInfo } from './runtime-file.ts';
import { isLoopback, loadDotEnv, readLocalSettings, SettingsError } from './settings.ts';

async function main(): Promise<void> {
  loadDotEnv();
  const settings = readLocalSettings();
  const config = await loadPipelineConfig(settings.configPath);
  // Development values only for the default config, and only when opted in (npm start passes the flag).
  const { resolveSecret, developmentSecretsUsed } = localSecrets({
    config,
    configPath: settings.configPath,
    developmentSecrets: process.argv.includes(DEVELOPMENT_SECRETS_FLAG),
  });
  const running = await readRuntimeInfo(settings.dataDir);
  if (running && running.pid !== process.pid) {
    throw new SettingsError(
      `leadpipe is already running on this data dir (pid ${running.pid}, ${running.url}): stop it first, or start this one with another LEADPIPE_DATA_DIR.`,
    );
  }
  const host = await startLocalHost({
    config,
    configPath: settings.configPath,
    onReload: (result) => {
      if (result.status === 'refused') {
        console.error(
          `Config change refused, still running version ${result.version}:\n${result.problems.map((problem) => `  - ${problem}`).join('\n')}`,
        );
      } else if (result.status === 'applied') {
        console.log(
          `Config version ${result.version} applied (${result.changed.join(', ') || 'no route changed'}).`,
        );
      }
    },
    port: settings.port,
    bindAddress: settings.bindAddress,
    dataDir: settings.dataDir,
    durability: settings.durability,
    resolveSecret,
    logger: createLogger({ logLevel: settings.logLevel }),
  });
  await writeRuntimeInfo(settings.dataDir, { pid: process.pid, url: host.url, database: host.database });
  // Secrets are resolved as the destinations start; warn after that, so the list is complete.
  printBanner(
    host,
    settings.configPath,
    settings.dataDir,
    Object.keys(config.sources),
    Object.keys(config.destinations),
  );
  if (!isLoopback(settings.bindAddress)) {
    console.warn(
      `\n!! WARNING: listening on ${settings.bindAddress} (LEADPIPE_BIND), not loopback: other machines can reach the webhooks,\n` +
        '   and the health endpoint (no vendor sandbox is mounted beyond loopback). Put it behind a TLS proxy and a firewall.',
    );
  }
  for (const source of unsignedSources(config)) {
    console.warn(
      `\n!! WARNING: source "${source}" accepts UNSIGNED webhooks (verify.scheme: none). Anyone can post leads to it.`,
    );
  }
  if (developmentSecretsUsed.size > 0) {
    console.warn(
      `\n!! Using DEVELOPMENT-ONLY secrets for ${[...developmentSecretsUsed].join(', ')} (local/dev-secrets.ts).` +
        '\n   Fine for trying leadpipe locally; set real values in the environment or .env before real traffic.',
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping leadpipe...`);
    await host.end();
    await removeRuntimeInfo(settings.dataDir);
    process.exit(0);
  };
  // The config file is watched; SIGHUP re-reads it on demand too (e.g. from a deploy script).
  process.on('SIGHUP', () => void host.reload());
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

function printBanner(
  host: LocalHost,
  configPath: string,
  dataDir: string,
  sources: string[],
  destinations: string[],
): void {
  const lines = [
    `leadpipe is running on ${host.url}`,
    `  config    ${configPath}`,
    `  data      ${dataDir} (SQLite, durability ${host.durability}${host.durability === 'full' ? ': every 202 is fsynced' : ': survives a crash, not a power loss'})`,
    '',
    '  webhooks',
    ...sources.map((name) => `    POST ${host.url}/webhooks/${name}`),
    '',
    `  destinations: ${destinations.join(', ')}`,
    ...sandboxLines(host),
    `  probes    ${host.url}/live  ${host.url}/ready  ${host.url}/metrics (Prometheus)`,
    `  API docs  ${host.url}/openapi.json  ${host.url}/asyncapi.json`,
    '',
    '  ops console (the token is in the link after #, never sent in a URL; also in the data dir, console-token):',
    `    ${host.consoleUrl}#token=${host.consoleToken}`,
    '',
    'Send a test lead (in another terminal):',
    `    npx leadpipe send ${sources.includes('typeform') ? 'typeform' : (sources[0] ?? '<source>')}`,
    '',
    'Stop with Ctrl+C; queued leads are kept in the data dir and delivered at the next start.',
  ];
  console.log(lines.join('\n'));
}

/** Which sandboxes are mounted (only those a destination uses), or that none is. */
function sandboxLines(host: LocalHost): string[] {
  const mounted = Object.keys(host.sandboxes);
  if (mounted.length === 0) return ['  sandboxes: none mounted (every destination names its vendor URL)'];
  return [
    `  sandboxes mounted: ${mounted.join(', ')} (what the CRMs received; no auth, loopback only):`,
    ...mounted.map((name) => `    ${host.url}/sandbox/${name}/__sandbox/records`),
  ];
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof SettingsError ||
    error instanceof LegacyDataDirError ||
    error instanceof SecretNotFoundError
  )
    console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `Port ${readLocalSettings().port} is in use: stop whatever uses it, or start with PORT=3001 npm start.`,
    );
  } else console.error('leadpipe could not start:', error);
  process.exit(1);
});
