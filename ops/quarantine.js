// Quarantine: signed payloads the mapping could not turn into a lead, kept to be replayed once
// the config is fixed. The list never carries a body; "Show" reads one entry with its body.
import { describeReplay, replay } from './actions.js';
import { api } from './api.js';
import { byId, bytes, details, h, keepingFocus, prettyBody, replace, say, time, whileBusy } from './dom.js';

export function createQuarantineView({ leadHref, changed }) {
  const status = byId('quarantine-status');
  // Outside the list: a replayed entry leaves it, and what its replay said stays here.
  const lastReplay = byId('quarantine-result');
  const list = byId('quarantine-list');
  /** Entries whose details are open, kept open when the list is read again. */
  const expanded = new Set();
  /** What the last replay of an entry still here said, kept when the list is read again. */
  const outcomes = new Map();

  const load = async () => {
    try {
      const page = await api('/quarantine');
      render(page.entries ?? []);
    } catch (error) {
      say(status, error.message, 'bad');
    }
  };

  const render = (entries) => {
    if (entries.length === 0) {
      say(status, 'The quarantine is empty: every signed payload mapped to a lead.', 'ok');
      replace(list);
      return;
    }
    say(status, `${entries.length} payload${entries.length === 1 ? '' : 's'} kept, newest first.`);
    const sorted = [...entries].sort((a, b) => b.receivedAt.localeCompare(a.receivedAt));
    keepingFocus(list, () =>
      replace(
        list,
        h(
          'ul',
          { class: 'entries', 'aria-label': 'Quarantined payloads' },
          sorted.map((entry) => entryItem(entry)),
        ),
      ),
    );
  };

  const replayed = async (entry, outcome) => {
    say(lastReplay, `${entry.leadId} (${entry.source}): ${outcome.text}`, outcome.tone);
    const link = h('a', { href: leadHref(entry.leadId) }, 'Open its timeline');
    lastReplay.append(' ', link);
    expanded.delete(entry.leadId);
    outcomes.delete(entry.leadId);
    changed();
    await load();
    // The entry (and the button that had the focus) left the list: the next step is the timeline.
    if (!list.contains(document.activeElement)) link.focus();
  };

  const entryItem = (entry) => {
    const result = h('p', { class: 'status', role: 'status', hidden: true });
    const box = h('div', { class: 'entry-details', hidden: true });
    const show = h('button', { type: 'button', 'aria-expanded': 'false', 'data-action': 'show' }, 'Show');
    const replayButton = h('button', { type: 'button', class: 'primary', 'data-action': 'replay' }, 'Replay');
    const openDetails = async () => {
      box.hidden = false;
      show.textContent = 'Hide';
      show.setAttribute('aria-expanded', 'true');
      expanded.add(entry.leadId);
      try {
        renderEntry(box, await api(`/quarantine/${encodeURIComponent(entry.leadId)}`));
      } catch (error) {
        say(result, error.message, 'bad');
      }
    };
    show.addEventListener('click', () => {
      if (box.hidden) return openDetails();
      box.hidden = true;
      show.textContent = 'Show';
      show.setAttribute('aria-expanded', 'false');
      expanded.delete(entry.leadId);
    });
    replayButton.addEventListener('click', () =>
      whileBusy(replayButton, async () => {
        say(result, 'Replaying with the current config…', 'busy');
        try {
          const answer = await replay(entry.leadId);
          const outcome = describeReplay(answer);
          if (['replayed', 'already-replayed', 'not-found'].includes(answer.status)) {
            await replayed(entry, outcome);
          } else {
            outcomes.set(entry.leadId, outcome);
            say(result, outcome.text, outcome.tone);
          }
        } catch (error) {
          say(result, error.message, 'bad');
        }
      }),
    );
    const earlier = outcomes.get(entry.leadId);
    if (earlier) say(result, earlier.text, earlier.tone);
    if (expanded.has(entry.leadId)) openDetails();
    return h(
      'li',
      { class: 'card entry', 'data-lead': entry.leadId, 'data-key': entry.leadId },
      h(
        'div',
        { class: 'entry-head' },
        h('strong', {}, entry.source),
        time(entry.receivedAt, { short: true }),
        h('a', { href: leadHref(entry.leadId) }, h('code', {}, entry.leadId)),
      ),
      h(
        'p',
        { class: 'entry-reason' },
        h('bdi', {}, entry.reason.message),
        ' ',
        h('code', { class: 'muted' }, entry.reason.code),
      ),
      h('p', { class: 'muted entry-meta' }, `${entry.contentType}, ${bytes(entry.bytes)}`),
      h('div', { class: 'button-row' }, show, replayButton),
      result,
      box,
    );
  };

  return { load };
}

function renderEntry(box, entry) {
  const headers = Object.entries(entry.headers ?? {});
  replace(
    box,
    details([
      ['Reason', h('bdi', {}, entry.reason.message), { wide: true }],
      ['Code', h('code', {}, entry.reason.code)],
      ['Delivery id', h('code', {}, entry.deliveryId)],
      ['Content type', entry.contentType],
      ['Size', bytes(entry.bytes)],
    ]),
    h('h4', {}, 'Headers'),
    headers.length
      ? h(
          'dl',
          { class: 'facts headers' },
          headers.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, h('bdi', {}, value)))),
        )
      : h('p', { class: 'muted' }, 'No headers were kept.'),
    h('h4', {}, entry.body.encoding === 'utf8' ? 'Body' : 'Body (not UTF-8, shown as base64)'),
    h(
      'pre',
      { class: 'body' },
      entry.body.encoding === 'utf8' ? prettyBody(entry.body.text) : entry.body.text,
    ),
  );
}
