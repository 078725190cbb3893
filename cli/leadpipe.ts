#!/usr/bin/env node
// The leadpipe command line: `leadpipe send <source> [payload-file]`, and more to come.
import { parseArgs } from 'node:util';
import { loadPipelineConfig } from '../functions/config/checks.ts';
import { ConfigError } from '../functions/config/errors.ts';
import { localSecretResolver } from '../local/dev-secrets.ts';
import { loadDotEnv, readLocalSettings } from '../local/settings.ts';
import { CliError, sendTestLead } from './send.ts';

const USAGE = `Usage: leadpipe <command>

  send <source> [payload-file]   Sign a payload with the source's scheme and secret and post it
                                 to the running pipeline (a built-in sample when no file is given)
      --url <base>               Pipeline URL (default: LEADPIPE_URL, else http://127.0.0.1:$PORT or :3000)
      --content-type <type>      Content type of the payload file (default: from its extension)

Environment: LEADPIPE_CONFIG (default leadpipe.config.yaml), PORT, LEADPIPE_URL, and the secrets
the config references (env:NAME; .env is read when present).`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      'content-type': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  loadDotEnv();
  const settings = readLocalSettings();
  switch (command) {
    case 'send': {
      const [source, payloadFile] = rest;
      if (!source) throw new CliError('send needs a source name: leadpipe send <source> [payload-file]');
      const config = await loadPipelineConfig(settings.configPath);
      const { resolveSecret, developmentSecretsUsed } = localSecretResolver();
      const baseUrl = values.url ?? process.env.LEADPIPE_URL ?? `http://127.0.0.1:${settings.port || 3000}`;
      let result: Awaited<ReturnType<typeof sendTestLead>>;
      try {
        result = await sendTestLead({
          config,
          source,
          baseUrl,
          resolveSecret,
          ...(payloadFile ? { payloadFile } : {}),
          ...(values['content-type'] ? { contentType: values['content-type'] } : {}),
        });
      } catch (error) {
        if (
          (error as Error).cause &&
          String((error as { cause: { code?: string } }).cause.code) === 'ECONNREFUSED'
        ) {
          throw new CliError(`Nothing is listening at ${baseUrl}. Start the pipeline first: npm start`);
        }
        throw error;
      }
      if (developmentSecretsUsed.size > 0)
        console.error(`(signed with the development-only secret ${[...developmentSecretsUsed].join(', ')})`);
      console.log(`POST ${result.url} -> ${result.status}`);
      console.log(result.body);
      if (result.status === 202)
        console.log(`\nSee what the CRMs received: ${baseUrl}/sandbox/hubspot/__sandbox/records`);
      if (result.status === 200)
        console.log('\nA duplicate: this delivery was already accepted, so nothing was sent again.');
      return result.status < 300 ? 0 : 1;
    }
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof CliError || error instanceof ConfigError) console.error(error.message);
    else if (
      error instanceof TypeError &&
      (error as NodeJS.ErrnoException).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      console.error(`${error.message}\n\n${USAGE}`);
    } else console.error(error);
    process.exit(2);
  },
);
