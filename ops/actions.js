// The console's two repairs, wherever a button offers them: redrive dead letters back to their
// destination's queue, and replay a quarantined payload with the config as it is now.
import { api } from './api.js';
import { h, whileBusy } from './dom.js';

/**
 * A button for a repair: busy while `run()` works, then `report({ text, tone })` with what
 * `run` resolved to, or with the server's message when it failed.
 */
export function actionButton(label, run, report, props = {}) {
  const button = h('button', { type: 'button', class: 'primary', ...props }, label);
  button.addEventListener('click', () =>
    whileBusy(button, async () => {
      try {
        report(await run());
      } catch (error) {
        report({ text: error.message, tone: 'bad' });
      }
    }),
  );
  return button;
}

/** POST …/redrive: the given messages, or every dead letter when `messageIds` is undefined. */
export function redrive(destination, messageIds) {
  return api(`/destinations/${encodeURIComponent(destination)}/redrive`, {
    method: 'POST',
    body: messageIds ? { messageIds } : {},
  });
}

/** Redrives one lead's dead letter(s) at a destination, found by its lead id. */
export async function redriveLead(destination, leadId) {
  const page = await api(`/destinations/${encodeURIComponent(destination)}/dead-letters?limit=200`);
  const ids = (page.deadLetters ?? []).filter((letter) => letter.leadId === leadId).map((l) => l.messageId);
  if (ids.length === 0) return undefined;
  return redrive(destination, ids);
}

/** What a redrive did, in one sentence. */
export function describeRedrive(answer) {
  const where = `${answer.destination ?? 'the destination'}'s queue`;
  const moved =
    answer.moved === 0 && answer.total === 0
      ? 'Nothing to redrive: the dead-letter queue is empty.'
      : `Redrive: moved ${answer.moved} of ${answer.total} back to ${where}.`;
  const failed = answer.failed
    ? ` ${answer.failed} could not be moved and stay${answer.failed === 1 ? 's' : ''} in the dead-letter queue${answer.errors?.length ? `: ${answer.errors.join('; ')}` : '.'}`
    : '';
  return { text: `${moved}${failed}`, tone: answer.failed ? 'bad' : 'ok' };
}

/** POST /quarantine/{id}/replay → ReplayResult (functions/quarantine/replay.ts). */
export function replay(leadId) {
  return api(`/quarantine/${encodeURIComponent(leadId)}/replay`, { method: 'POST', body: {} });
}

/** What a replay did, in plain words. */
export function describeReplay(result) {
  switch (result.status) {
    case 'replayed':
      return {
        text: 'Replayed: the payload maps to a lead now, and it is on its way to its destinations.',
        tone: 'ok',
      };
    case 'already-replayed':
      return { text: 'Already replayed by an earlier replay; now removed from the quarantine.', tone: 'ok' };
    case 'still-quarantined':
      return {
        text: `Still quarantined: ${result.reason?.message ?? 'the mapping still fails'} (${result.reason?.code ?? 'unknown'}). Fix the source's mapping in the config, then replay again.`,
        tone: 'bad',
      };
    case 'not-found':
      return { text: 'Not in the quarantine any more: it was replayed already, or it expired.', tone: 'bad' };
    case 'in-progress':
      return {
        text: 'Another replay of this payload is running right now; try again in a minute.',
        tone: 'bad',
      };
    case 'unknown-source':
      return {
        text: `The config has no source "${result.source}" any more: add it back to replay this payload.`,
        tone: 'bad',
      };
    default:
      return { text: `Replay answered: ${result.status}`, tone: '' };
  }
}
