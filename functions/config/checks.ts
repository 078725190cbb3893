import type { LeadpipeConfig } from '../../schemas/generated/config.ts';
import { enrichProblems } from '../enrich/config-checks.ts';
import { checkMapping } from '../mapping/index.ts';
import { HmacSchemeConfigError, schemeFor } from '../verify/index.ts';
import { type ConfigCheck, loadConfig } from './load.ts';

/** Mappings that cannot run (a JSONata syntax error, say) are config errors, found at start, not at the first lead. */
const mappingsRun: ConfigCheck = (config: LeadpipeConfig) =>
  Object.entries(config.sources).flatMap(([name, source]) =>
    checkMapping(source.mapping).map((problem) => `sources.${name}.mapping: ${problem}`),
  );

/** Every source's scheme must be buildable, including a generic hmac scheme's template. */
const schemesBuild: ConfigCheck = (config: LeadpipeConfig) =>
  Object.entries(config.sources).flatMap(([name, source]) => {
    try {
      schemeFor(source.verify);
      return [];
    } catch (error) {
      if (error instanceof HmacSchemeConfigError) return [`sources.${name}.verify.hmac: ${error.message}`];
      throw error;
    }
  });

/** True for the hosts only this machine reaches: 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Link-local addresses (169.254.0.0/16, fe80::/10): where cloud metadata services answer, on any scheme. */
function isLinkLocalHost(hostname: string): boolean {
  return /^169\.254\.\d{1,3}\.\d{1,3}$/.test(hostname) || /^\[fe[89ab][0-9a-f]?:/i.test(hostname);
}

/**
 * Why a destination URL may not be called, or undefined when it may: https: only, except plain
 * http: to loopback (the sandboxes and tests), and never a link-local address. WHATWG parsing
 * first, so 0x7f.1 and friends are judged as the address they are.
 */
export function destinationUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  const where =
    parsed.protocol === 'https:' || parsed.protocol === 'http:'
      ? `${parsed.protocol}//${parsed.host}`
      : parsed.protocol;
  if (isLinkLocalHost(parsed.hostname))
    return `${where} is a link-local address (cloud metadata lives there); use the vendor's https: URL`;
  if (parsed.protocol === 'https:') return undefined;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) return undefined;
  return `${where} is not allowed: use an https: URL (http: only to loopback: 127.0.0.0/8, [::1], localhost)`;
}

/** Every URL leadpipe calls a destination at, with the path that sets it. */
function destinationUrls(config: LeadpipeConfig): { path: string; url: string }[] {
  return Object.entries(config.destinations).flatMap(([name, destination]) => {
    const at = `destinations.${name}`;
    switch (destination.type) {
      case 'hubspot':
      case 'slack':
        return destination.baseUrl === undefined ? [] : [{ path: `${at}.baseUrl`, url: destination.baseUrl }];
      case 'salesforce': {
        const url =
          'accessToken' in destination.auth ? destination.auth.instanceUrl : destination.auth.loginUrl;
        const field = 'accessToken' in destination.auth ? 'instanceUrl' : 'loginUrl';
        return url === undefined ? [] : [{ path: `${at}.auth.${field}`, url }];
      }
      default:
        return [];
    }
  });
}

/** Destinations receive lead data and our credentials: only over TLS, and never at a metadata address. */
const destinationUrlsSafe: ConfigCheck = (config: LeadpipeConfig) =>
  destinationUrls(config).flatMap(({ path, url }) => {
    const problem = destinationUrlProblem(url);
    return problem === undefined ? [] : [`${path}: ${problem}`];
  });

/** A source's `enrich` settings fit its preset, and its API URL is safe for the token (functions/enrich/config-checks.ts). */
const enrichSettingsFit: ConfigCheck = (config: LeadpipeConfig) =>
  enrichProblems(config, destinationUrlProblem);

export const pipelineChecks: readonly ConfigCheck[] = [
  mappingsRun,
  schemesBuild,
  destinationUrlsSafe,
  enrichSettingsFit,
];

/** Loads a config file and checks it as the pipeline will run it. */
export function loadPipelineConfig(path: string): Promise<LeadpipeConfig> {
  return loadConfig(path, pipelineChecks);
}

/** Sources that accept unsigned webhooks: said loudly at every start. */
export function unsignedSources(config: LeadpipeConfig): string[] {
  return Object.entries(config.sources)
    .filter(([, source]) => source.verify.scheme === 'none')
    .map(([name]) => name);
}
