import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { SecretResolver } from '../../functions/ports.ts';
import { schemeFor } from '../../functions/verify/index.ts';
import type { LeadpipeConfig } from '../../schemas/generated/config.ts';

import type { Command } from '../context.ts';
import { CliError } from '../errors.ts';

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
    const known = Object.keys(options.config.sources).join(', ');
    throw new CliError(`No source named "${options.source}" in the config. Sources: ${known}`);
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
export const sendCommand: Command = {
  usage: `send <source> [payload-file]   Sign a payload with the source's scheme and secret and post it
                                 to the running pipeline (a built-in sample when no file is given)
      --url <base>               Pipeline URL (default: LEADPIPE_URL, else http://127.0.0.1:$PORT or :3000)
      --content-type <type>      Content type of the payload file (default: from its extension)`,
  flags: { url: { type: 'string' }, 'content-type': { type: 'string' } },
  async run({ args, flags, settings, config, secrets }) {
    const [source, payloadFile] = args;
    if (!source) throw new CliError('send needs a source name: leadpipe send <source> [payload-file]');
    const { resolveSecret, developmentSecretsUsed } = secrets();
    const baseUrl = String(
      flags.url ?? process.env.LEADPIPE_URL ?? `http://127.0.0.1:${settings.port || 3000}`,
    );
    let result: SendResult;
    try {
      result = await sendTestLead({
        config: await config(),
        source,
        baseUrl,
        resolveSecret,
        ...(payloadFile ? { payloadFile } : {}),
        ...(typeof flags['content-type'] === 'string' ? { contentType: flags['content-type'] } : {}),
      });
    } catch (error) {
      if ((error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED') {
        throw new CliError(`Nothing is listening at ${baseUrl}. Start the pipeline first: npm start`);
      }
      throw error;
    }
    if (developmentSecretsUsed.size > 0) {
      console.error(`(signed with the development-only secret ${[...developmentSecretsUsed].join(', ')})`);
    }
    console.log(`POST ${result.url} -> ${result.status}`);
    console.log(result.body);
    if (result.status === 202)
      console.log(`\nSee what the CRMs received: ${baseUrl}/sandbox/hubspot/__sandbox/records`);
    if (result.status === 200)
      console.log('\nA duplicate: this delivery was already accepted, so nothing was sent again.');
    return result.status < 300 ? 0 : 1;
  },
};
