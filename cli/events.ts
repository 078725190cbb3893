import type { DestinationStatus, LeadStatus } from '../functions/ports.ts';
import type { LedgerEvent } from '../schemas/generated/ledger-event.ts';
import { displayWidth } from './table.ts';
import { noPaint, type Paint, printable, type Tone } from './terminal.ts';

/** One ledger event as a line shows it: the step, where, what came of it, and the rest. */
export interface EventView {
  kind: LedgerEvent['kind'];
  destination: string | undefined;
  outcome: string;
  detail: string;
  tone: Tone;
}

const ATTEMPT_TONE: Record<'delivered' | 'retry' | 'rejected' | 'blocked', Tone> = {
  delivered: 'ok',
  retry: 'warn',
  rejected: 'bad',
  blocked: 'bad',
};

/** What one step says, for `leads show` and `tail`: coloured by its outcome. */
export function viewOf(event: LedgerEvent): EventView {
  const base = { kind: event.kind, destination: undefined };
  switch (event.kind) {
    case 'received':
      return {
        ...base,
        outcome: event.source,
        detail: `${event.bytes} B ${event.contentType}, delivery ${event.deliveryId}`,
        tone: 'info',
      };
    case 'mapped':
      return {
        ...base,
        outcome: `${event.fields.length} field(s)${event.replay ? ', on replay' : ''}`,
        detail: [
          event.fields.join(', '),
          event.personId ? `person ${event.personId}` : '',
          event.mergedFrom ? `merged from ${event.mergedFrom}` : '',
        ]
          .filter(Boolean)
          .join('; '),
        tone: 'info',
      };
    case 'quarantined':
      return { ...base, outcome: event.code, detail: event.message, tone: 'warn' };
    case 'routed':
      return {
        ...base,
        outcome: event.matched.length > 0 ? `to ${event.matched.join(', ')}` : 'to no destination',
        detail: event.unmatched.map((route) => `not ${route.destination}: ${route.why}`).join('; '),
        tone: event.matched.length > 0 ? 'info' : 'warn',
      };
    case 'attempt':
      return {
        ...base,
        destination: event.destination,
        outcome: `${event.outcome} (attempt ${event.attempt})`,
        detail: [
          event.reason,
          event.recordId && `record ${event.recordId}`,
          event.recordUrl,
          event.retryAfterSeconds !== undefined && `next attempt in ${event.retryAfterSeconds} s`,
        ]
          .filter(Boolean)
          .join(', '),
        tone: ATTEMPT_TONE[event.outcome],
      };
    case 'enriched':
      return {
        ...base,
        destination: event.destination,
        outcome: `${event.outcome} (attempt ${event.attempt})`,
        detail: [
          event.reason,
          event.retryAfterSeconds !== undefined && `next fetch in ${event.retryAfterSeconds} s`,
        ]
          .filter(Boolean)
          .join(', '),
        tone: event.outcome === 'fetched' ? 'ok' : ATTEMPT_TONE[event.outcome],
      };
    case 'dead-lettered':
      return {
        ...base,
        destination: event.destination,
        outcome: `dead-lettered after ${event.attempts} attempt(s)`,
        detail: event.reason,
        tone: 'bad',
      };
    case 'redriven':
      return {
        ...base,
        destination: event.destination,
        outcome: `redriven by ${event.by}`,
        detail: '',
        tone: 'info',
      };
    case 'replayed':
      return {
        ...base,
        outcome: `${event.outcome} (replay by ${event.by})`,
        detail: event.reason ?? '',
        tone: event.outcome === 'published' ? 'ok' : 'warn',
      };
  }
}

/** The widest step name, so the columns of a live feed line up without knowing what comes next. */
const KIND_WIDTH = Math.max(
  ...(
    [
      'received',
      'enriched',
      'mapped',
      'quarantined',
      'routed',
      'attempt',
      'dead-lettered',
      'redriven',
      'replayed',
    ] as const
  ).map((kind) => kind.length),
);
const DESTINATION_WIDTH = 11;

/** `<time>  <lead id>  <step>  <destination>  <outcome>  <detail>`: one live feed line. */
export function feedLine(event: LedgerEvent, paint: Paint = noPaint): string {
  const view = viewOf(event);
  const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
  return [
    paint('muted', event.at),
    printable(event.leadId),
    paint(view.tone, pad(view.kind, KIND_WIDTH)),
    pad(printable(view.destination ?? '-'), DESTINATION_WIDTH),
    paint(view.tone, printable(view.outcome)),
    printable(view.detail),
  ]
    .join('  ')
    .trimEnd();
}

export const LEAD_STATUS_TONE: Record<LeadStatus, Tone> = {
  delivered: 'ok',
  failed: 'bad',
  quarantined: 'warn',
  'in-progress': 'info',
  unrouted: 'muted',
};

export const DESTINATION_STATUS_TONE: Record<DestinationStatus, Tone> = {
  delivered: 'ok',
  'dead-lettered': 'bad',
  blocked: 'bad',
  retrying: 'warn',
  pending: 'info',
};
