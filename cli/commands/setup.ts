import { type SetupItem, setUpHubspot, setupComplete } from '../../adapters/hubspot/setup.ts';
import type { HubspotDestination } from '../../schemas/generated/config.ts';
import { type CommandRun, stringFlag } from '../context.ts';
import { CliError } from '../errors.ts';
import { EXIT } from '../exit-codes.ts';
import { runningHost } from '../running-host.ts';
import type { Terminal } from '../terminal.ts';

const WORDS: Readonly<Record<SetupItem['status'], string>> = {
  created: 'created',
  present: 'already there',
  missing: 'missing',
  wrong: 'wrong',
  failed: 'failed',
};
const TONES = { created: 'ok', present: 'muted', missing: 'bad', wrong: 'bad', failed: 'bad' } as const;

/**
 * `leadpipe setup hubspot [--destination name] [--check]`: creates (or only checks) the contact
 * properties the HubSpot adapter needs, in the destination's portal: its baseUrl when the config
 * names one, else the running local host's sandbox. 0 when all is there, 1 when something is
 * missing (--check) or could not be made, 2 for a usage or setup problem.
 */
export const runSetupHubspot: CommandRun = async (context) => {
  const config = await context.config();
  const named = stringFlag(context, 'destination');
  const hubspot = Object.entries(config.destinations).filter(
    (entry): entry is [string, HubspotDestination] => entry[1].type === 'hubspot',
  );
  const names = hubspot.map(([name]) => name);
  if (names.length === 0)
    throw context.usage(`The config has no HubSpot destination (${context.settings.configPath})`);
  if (named !== undefined && !names.includes(named)) {
    throw context.usage(`No HubSpot destination "${named}" in the config: it has ${names.join(', ')}`);
  }
  if (named === undefined && names.length > 1) {
    throw context.usage(
      `The config has several HubSpot destinations (${names.join(', ')}): say which with --destination`,
    );
  }
  const [name, destination] = hubspot.find(([candidate]) => candidate === (named ?? names[0])) as [
    string,
    HubspotDestination,
  ];
  const baseUrl = destination.baseUrl ?? (await sandboxUrl(context.settings.dataDir, name));
  const accessToken = await context.secrets().resolveSecret(destination.accessToken);
  const check = context.flags.check === true;

  const items = await setUpHubspot({
    accessToken,
    baseUrl,
    check,
    ...(destination.personIdProperty ? { personIdProperty: destination.personIdProperty } : {}),
  });
  report(context.terminal, items, { name, baseUrl, check });
  return setupComplete(items) ? EXIT.ok : EXIT.failed;
};

/** The running host's HubSpot sandbox: where a destination without baseUrl delivers locally. */
async function sandboxUrl(dataDir: string, destination: string): Promise<string> {
  try {
    return `${(await runningHost(dataDir)).url}/sandbox/hubspot`;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    throw new CliError(
      `destinations.${destination}.baseUrl is not set, so it delivers to the local host's HubSpot sandbox, but ${error.message.charAt(0).toLowerCase()}${error.message.slice(1)} For a real portal set baseUrl to https://api.hubapi.com.`,
      { cause: error },
    );
  }
}

function report(
  terminal: Terminal,
  items: readonly SetupItem[],
  { name, baseUrl, check }: { name: string; baseUrl: string; check: boolean },
): void {
  const paint = terminal.paint ?? ((_tone: string, text: string) => text);
  terminal.out(`HubSpot destination "${name}" at ${baseUrl}${check ? ' (check only)' : ''}:`);
  for (const item of items) {
    const word = paint(TONES[item.status], WORDS[item.status]);
    terminal.out(`  ${item.kind} ${item.name}: ${word}${item.detail ? ` (${item.detail})` : ''}`);
  }
  const count = (status: SetupItem['status']) => items.filter((item) => item.status === status).length;
  const summary = [
    `${count('created')} created`,
    `${count('present')} already there`,
    ...(['missing', 'wrong', 'failed'] as const).flatMap((status) =>
      count(status) > 0 ? [`${count(status)} ${WORDS[status]}`] : [],
    ),
  ].join(', ');
  terminal.out(
    setupComplete(items)
      ? `ok: ${summary}`
      : `not ready: ${summary}${check ? ' (run leadpipe setup hubspot without --check to create what is missing)' : ''}`,
  );
}
