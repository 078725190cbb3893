import type { OpsAlert } from '../../schemas/generated/ops-alert-event.ts';
import { type LeadpipeBlock, mrkdwn, plain, type SlackMessage, type TextObject } from './blocks.ts';
import type { DigestPosition } from './fold.ts';
import { SLACK_LIMITS } from './limits.ts';
import { code, escapeTruncated, oneLine, truncate } from './mrkdwn.ts';

/** Something ops must look at: the ops.alert event (schemas/ops-alert.event.schema.json). */
export type { OpsAlert };

const CAP = { name: 80, id: 120, reason: 300, digestReason: 120 } as const;
/** Field paths listed per drift alert; the rest are counted. */
const DRIFT_PATHS_SHOWN = 15;

const esc = (value: string, cap: number) => escapeTruncated(oneLine(value), cap);
/** A name or id shown as code (escaped inside), so it reads as something to type. */
const literal = (value: string, cap: number) => code(truncate(oneLine(value), cap));

/** The CLI command that follows up an alert, when there is one. */
export function nextCommand(alert: OpsAlert): string | undefined {
  switch (alert.kind) {
    case 'dead-lettered':
      return `leadpipe dlq redrive ${truncate(oneLine(alert.destination), CAP.name)}`;
    case 'quarantined':
      return `leadpipe quarantine replay ${truncate(oneLine(alert.quarantineId), CAP.id)}`;
    default:
      return undefined;
  }
}

const EMOJI: Record<OpsAlert['kind'], string> = {
  'dead-lettered': ':rotating_light:',
  quarantined: ':warning:',
  'credentials-refused': ':lock:',
  'schema-drift': ':mag:',
  alarm: ':bell:',
};

function paths(list: readonly string[]): string {
  if (list.length === 0) return 'none';
  const shown = list.slice(0, DRIFT_PATHS_SHOWN).map((path) => literal(path, 80));
  const more = list.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

const field = (label: string, value: string): TextObject =>
  mrkdwn(`*${label}*\n${truncate(value, SLACK_LIMITS.fieldText - label.length - 4)}`);

/** "… and 37 more like it since 12:04 UTC": the repeats the alert cap held back (functions/alerts/throttle.ts). */
export function repeatsNote(alert: OpsAlert): string {
  if (alert.kind === 'alarm' || !alert.suppressed) return '';
  const since = alert.suppressed.since.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return ` (and ${alert.suppressed.count} more like it since ${since})`;
}

/** What happened, where, and what to do next, for one alert. */
export function opsAlertMessage(alert: OpsAlert): SlackMessage {
  let title: string;
  let summary: string;
  let fields: TextObject[];
  let next: string;
  let text: string;
  switch (alert.kind) {
    case 'dead-lettered': {
      const destination = esc(alert.destination, CAP.name);
      title = `Lead dead-lettered: ${truncate(oneLine(alert.destination), CAP.name)}`;
      summary = `A lead could not be delivered to *${destination}* after ${alert.attempts} attempt(s); it is kept in the dead-letter queue.`;
      fields = [
        field('Destination', destination),
        field('Lead id', literal(alert.leadId, CAP.id)),
        field('Attempts', String(alert.attempts)),
        field('Reason', esc(alert.reason, CAP.reason)),
      ];
      next = `Fix the cause above, then send it again: ${code(nextCommand(alert) ?? '')}`;
      text = `Lead dead-lettered at ${destination} after ${alert.attempts} attempt(s): ${esc(alert.reason, CAP.reason)}`;
      break;
    }
    case 'quarantined': {
      const source = esc(alert.source, CAP.name);
      title = `Payload quarantined: ${truncate(oneLine(alert.source), CAP.name)}`;
      summary = `A signed webhook from *${source}* could not be mapped to a lead. It is kept, not dropped.`;
      fields = [
        field('Source', source),
        field('Quarantine id', literal(alert.quarantineId, CAP.id)),
        field('Reason', esc(alert.reason, CAP.reason)),
      ];
      next = `Fix the mapping of ${literal(alert.source, CAP.name)} in leadpipe.config.yaml, then replay it: ${code(nextCommand(alert) ?? '')}`;
      text = `Payload from ${source} quarantined: ${esc(alert.reason, CAP.reason)}`;
      break;
    }
    case 'credentials-refused': {
      const destination = esc(alert.destination, CAP.name);
      title = `Credentials refused: ${truncate(oneLine(alert.destination), CAP.name)}`;
      summary = `*${destination}* refused leadpipe's credentials. Its leads stay queued; none are lost.`;
      fields = [field('Destination', destination), field('Reason', esc(alert.reason, CAP.reason))];
      next = `Renew or fix the secret that destination ${literal(alert.destination, CAP.name)} references in leadpipe.config.yaml (and grant the scopes it needs); queued leads are delivered once it works.`;
      text = `${destination} refused leadpipe's credentials: ${esc(alert.reason, CAP.reason)}`;
      break;
    }
    case 'schema-drift': {
      const source = esc(alert.source, CAP.name);
      title = `Payload shape changed: ${truncate(oneLine(alert.source), CAP.name)}`;
      summary = `Webhooks from *${source}* no longer have the fields they used to.`;
      fields = [field('Added fields', paths(alert.added)), field('Removed fields', paths(alert.removed))];
      next = `Check the mapping of ${literal(alert.source, CAP.name)} in leadpipe.config.yaml. Payloads that no longer map are quarantined and can be replayed with ${code('leadpipe quarantine replay <id>')}.`;
      text = `Payload shape changed for ${source}: ${alert.added.length} field(s) added, ${alert.removed.length} removed`;
      break;
    }
    case 'alarm': {
      const alarm = esc(alert.alarm, CAP.name);
      title = `Alarm ${alert.state}: ${truncate(oneLine(alert.alarm), CAP.name)}`;
      summary = `The CloudWatch alarm *${alarm}* is now *${alert.state}*.`;
      fields = [field('Alarm', alarm), field('Reason', esc(alert.reason, CAP.reason))];
      next =
        alert.state === 'OK'
          ? 'Nothing: the alarm has recovered.'
          : 'Open the leadpipe dashboard in CloudWatch; for a dead-letter alarm, fix the cause and redrive the queue.';
      text = `Alarm ${alarm} is ${alert.state}: ${esc(alert.reason, CAP.reason)}`;
      break;
    }
  }
  const blocks: LeadpipeBlock[] = [
    { type: 'header', text: plain(truncate(`${EMOJI[alert.kind]} ${title}`, SLACK_LIMITS.headerText)) },
    { type: 'section', text: mrkdwn(`${summary}${repeatsNote(alert)}`), fields },
    { type: 'section', text: mrkdwn(`*Next:* ${next}`) },
  ];
  return { text: `${text}${repeatsNote(alert)}`, blocks };
}

/** One alert as one digest line, with its follow-up command when it has one. */
export function opsAlertLine(alert: OpsAlert): string {
  return `${alertLine(alert)}${repeatsNote(alert)}`;
}

function alertLine(alert: OpsAlert): string {
  const emoji = EMOJI[alert.kind];
  switch (alert.kind) {
    case 'dead-lettered':
      return `${emoji} *Dead-lettered* at *${esc(alert.destination, CAP.name)}* · lead ${literal(alert.leadId, CAP.id)} · ${alert.attempts} attempt(s) · ${esc(alert.reason, CAP.digestReason)}`;
    case 'quarantined':
      return `${emoji} *Quarantined* from *${esc(alert.source, CAP.name)}* · ${esc(alert.reason, CAP.digestReason)} · ${code(nextCommand(alert) ?? '')}`;
    case 'credentials-refused':
      return `${emoji} *Credentials refused* by *${esc(alert.destination, CAP.name)}* · ${esc(alert.reason, CAP.digestReason)}`;
    case 'schema-drift':
      return `${emoji} *Shape changed* for *${esc(alert.source, CAP.name)}* · ${alert.added.length} field(s) added, ${alert.removed.length} removed`;
    case 'alarm':
      return `${emoji} *Alarm ${alert.state}* · *${esc(alert.alarm, CAP.name)}* · ${esc(alert.reason, CAP.digestReason)}`;
  }
}

/** Several alerts in one message, with the distinct next steps gathered at the bottom. */
export function opsDigestMessage(
  alerts: readonly OpsAlert[],
  lines: readonly string[],
  position: DigestPosition,
): SlackMessage {
  const range =
    position.total > alerts.length ? ` (${position.first}–${position.last} of ${position.total})` : '';
  const counts = new Map<OpsAlert['kind'], number>();
  for (const alert of alerts) counts.set(alert.kind, (counts.get(alert.kind) ?? 0) + 1);
  const tally = [...counts].map(([kind, count]) => `${count} ${kind}`).join(' · ');

  const redrives = new Set<string>();
  const secrets = new Set<string>();
  const drifted = new Set<string>();
  for (const alert of alerts) {
    if (alert.kind === 'dead-lettered') redrives.add(code(nextCommand(alert) ?? ''));
    if (alert.kind === 'credentials-refused') secrets.add(literal(alert.destination, CAP.name));
    if (alert.kind === 'schema-drift') drifted.add(literal(alert.source, CAP.name));
  }
  const steps: string[] = [];
  if (secrets.size) steps.push(`• Fix the secrets of ${[...secrets].join(', ')}: their leads stay queued.`);
  if (redrives.size) steps.push(`• After fixing the causes, redrive: ${[...redrives].join(' ')}`);
  if (counts.has('quarantined')) steps.push('• Fix the mappings, then run the replay command on each line.');
  if (drifted.size) steps.push(`• Check the mappings of ${[...drifted].join(', ')}.`);

  const blocks: LeadpipeBlock[] = [
    { type: 'header', text: plain(`:rotating_light: ${alerts.length} ops alerts${range}`) },
    { type: 'context', elements: [mrkdwn(truncate(tally, 500))] },
    ...lines.map((line): LeadpipeBlock => ({ type: 'section', text: mrkdwn(line) })),
  ];
  if (steps.length) {
    blocks.push({ type: 'divider' });
    blocks.push({ type: 'section', text: mrkdwn(truncate(`*Next:*\n${steps.join('\n')}`, 2000)) });
  }
  return { text: `${alerts.length} ops alerts${range}: ${tally}`, blocks };
}
