import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { SecretResolver } from '../../functions/ports.ts';
import { schemeFor } from '../../functions/verify/index.ts';
import { type RuntimeInfo, readRuntimeInfo } from '../../local/runtime-file.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import type { CommandRun } from '../context.ts';
import { CliError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { didYouMean } from '../suggest.ts';
import { note } from '../terminal.ts';

const SAMPLES = join(import.meta.dirname, '..', 'samples');

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.form': 'application/x-www-form-urlencoded',
  '.txt': 'text/plain',
};

export interface SendOptions {
  config: LeadpipeConfig;
  source: string;
  payloadFile?: string;
  baseUrl: string;
  contentType?: string;
  resolveSecret: SecretResolver;
  now?: Date;
  fetch?: typeof fetch;
}

export interface SendResult {
  status: number;
  body: string;
  url: string;
}

/**
 * Signs a payload as the source's sender would (its configured scheme and newest secret) and
 * posts it to the running pipeline.
 */
export async function sendTestLead(options: SendOptions): Promise<SendResult> {
  const source = options.config.sources[options.source];
  if (!source) {
    const known = Object.keys(options.config.sources);
    throw new CliError(
      `No source named "${options.source}" in the config${didYouMean(options.source, known)}. Sources: ${known.join(', ')}`,
    );
  }
  const file = options.payloadFile ?? samplePath(options.source, source.mapping.preset);
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch (error) {
    throw new CliError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const contentType = options.contentType ?? CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/json';
  const url = `${options.baseUrl.replace(/\/$/, '')}/webhooks/${encodeURIComponent(options.source)}`;
  const headers: Record<string, string> = { 'content-type': contentType, 'user-agent': 'leadpipe-cli' };

  const scheme = schemeFor(source.verify);
  const secretRef = source.verify.secrets?.[0];
  if (scheme && secretRef) {
    const secret = await options.resolveSecret(secretRef);
    const deliveryId = `msg_${randomBytes(12).toString('hex')}`;
    Object.assign(
      headers,
      scheme.sign({ method: 'POST', url, body, deliveryId }, secret, options.now ?? new Date()),
    );
  }
  const response = await (options.fetch ?? fetch)(url, { method: 'POST', headers, body });
  return { status: response.status, body: await response.text(), url };
}

/** Where `send` posts, and which setting said so (for messages). */
export interface SendTarget {
  baseUrl: string;
  from: 'flag' | 'LEADPIPE_URL' | 'runtime' | 'port';
  /** Why this URL, in words: "from --url", "from the running host (pid 12, …/runtime.json)", … */
  reason: string;
}

/**
 * The pipeline's URL, in order: --url, else LEADPIPE_URL, else the running host's URL from its
 * runtime file (the port may be one PORT or the host picked), else PORT, else 3000.
 */
export function chooseSendTarget(input: {
  flag?: string | undefined;
  envUrl?: string | undefined;
  runtime?: RuntimeInfo | undefined;
  runtimeFile: string;
  /** The PORT setting; undefined when PORT is not set. */
  port?: number | undefined;
}): SendTarget {
  if (input.flag) return { baseUrl: input.flag, from: 'flag', reason: 'from --url' };
  if (input.envUrl) return { baseUrl: input.envUrl, from: 'LEADPIPE_URL', reason: 'from LEADPIPE_URL' };
  if (input.runtime) {
    return {
      baseUrl: input.runtime.url,
      from: 'runtime',
      reason: `from the running host (pid ${input.runtime.pid}, ${input.runtimeFile})`,
    };
  }
  const port = input.port || 3000;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    from: 'port',
    reason: `${input.port ? `from PORT=${input.port}` : 'the default port'}, as no running host was found in ${input.runtimeFile}`,
  };
}

function samplePath(source: string, preset: string | undefined): string {
  const file = join(SAMPLES, `${preset ?? source}.json`);
  if (!preset || !existsSync(file)) {
    throw new CliError(
      `There is no built-in sample for source "${source}"; give a payload file: leadpipe send ${source} payload.json`,
    );
  }
  return file;
}

/** `leadpipe send <source> [payload-file]` */
export const runSend: CommandRun = async (context) => {
  const { args, flags, settings, env, terminal } = context;
  const [source, payloadFile] = args;
  if (!source) throw context.usage('send needs a source name: leadpipe send <source> [payload-file]');
  const { resolveSecret, developmentSecretsUsed } = context.secrets();
  const target = chooseSendTarget({
    flag: typeof flags.url === 'string' ? flags.url : undefined,
    envUrl: env.LEADPIPE_URL,
    runtime: await readRuntimeInfo(settings.dataDir),
    runtimeFile: join(settings.dataDir, 'runtime.json'),
    port: env.PORT === undefined ? undefined : settings.port,
  });
  const { baseUrl } = target;
  if (!URL.canParse(baseUrl))
    throw new CliError(`"${baseUrl}" (${target.reason}) is not a URL; give one like http://127.0.0.1:3000`);
  if (target.from === 'port') note(terminal, `(sending to ${baseUrl}: ${target.reason})`);
  let result: SendResult;
  try {
    result = await sendTestLead({
      config: await context.config(),
      source,
      baseUrl,
      resolveSecret,
      ...(payloadFile ? { payloadFile } : {}),
      ...(typeof flags['content-type'] === 'string' ? { contentType: flags['content-type'] } : {}),
    });
  } catch (error) {
    if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
      throw new CliError(
        `Nothing is listening at ${baseUrl} (${target.reason}). Start the pipeline first (npm start), or give its URL with --url or LEADPIPE_URL.`,
      );
    }
    throw error;
  }
  if (developmentSecretsUsed.size > 0) {
    note(terminal, `(signed with the development-only secret ${[...developmentSecretsUsed].join(', ')})`);
  }
  terminal.out(`POST ${result.url} -> ${result.status}`);
  terminal.out(result.body);
  if (result.status === 202)
    terminal.out(`\nSee what the CRMs received: ${baseUrl}/sandbox/hubspot/__sandbox/records`);
  if (result.status === 200)
    terminal.out('\nA duplicate: this delivery was already accepted, so nothing was sent again.');
  return result.status < 300 ? EXIT.ok : EXIT.failed;
};
