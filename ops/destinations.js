// Destinations: one card each (queue, oldest wait, last success and error, the last hour's
// attempts as a bar chart, dead letters), and the dead-letter list with show and redrive.
import { actionButton, describeRedrive, redrive } from './actions.js';
import { api } from './api.js';
import {
  ago,
  byId,
  details,
  duration,
  h,
  keepingFocus,
  plural,
  prettyBody,
  replace,
  s,
  say,
  time,
} from './dom.js';

export function createDestinationsView({ leadHref }) {
  const cards = byId('destination-cards');
  /** Cards by destination name, kept across refreshes so an open dead-letter list stays open. */
  const built = new Map();

  const render = (destinations) => {
    const names = new Set(destinations.map((d) => d.name));
    for (const [name, card] of built) {
      if (!names.has(name)) {
        card.element.remove();
        built.delete(name);
      }
    }
    if (destinations.length === 0) {
      replace(cards, h('p', { class: 'empty' }, 'The config has no destinations.'));
      return;
    }
    cards.querySelector(':scope > .empty')?.remove();
    for (const destination of destinations) {
      let card = built.get(destination.name);
      if (!card) {
        card = createCard(destination.name, leadHref);
        built.set(destination.name, card);
      }
      // Appended once, in config order; moving a card again would drop the focus inside it.
      if (card.element.parentNode !== cards) cards.append(card.element);
      card.update(destination);
    }
  };

  return { render };
}

function createCard(name, leadHref) {
  const figures = h('div', { class: 'figures' });
  const chart = h('figure', { class: 'chart' });
  const result = h('p', { class: 'status', role: 'status', hidden: true });
  const listBox = h('div', { class: 'dead-letters', hidden: true });
  const toggle = h('button', { type: 'button', 'aria-expanded': 'false' }, 'Show dead letters');
  const type = h('span', { class: 'muted' });
  const report = (outcome) => say(result, outcome.text, outcome.tone);
  let deadLetterCount = 0;
  let listedCount;
  /** Dead letters whose details are open, kept open when the list is read again. */
  const expanded = new Set();

  const loadList = async () => {
    try {
      const page = await api(`/destinations/${encodeURIComponent(name)}/dead-letters?limit=100`);
      listedCount = page.deadLetters?.length ?? 0;
      keepingFocus(listBox, () =>
        replace(
          listBox,
          ...deadLetterList(name, page.deadLetters ?? [], { leadHref, runRedrive, expanded, report }),
        ),
      );
    } catch (error) {
      report({ text: error.message, tone: 'bad' });
    }
  };
  /** Redrives the given messages (all when undefined), says what moved, and reads the list again. */
  const runRedrive = async (messageIds) => {
    const outcome = describeRedrive(await redrive(name, messageIds));
    if (!listBox.hidden) await loadList();
    return outcome;
  };
  const redriveAll = actionButton('Redrive all', () => runRedrive(undefined), report);
  const element = h(
    'article',
    { class: 'card destination', 'data-destination': name, 'aria-labelledby': `destination-${name}` },
    h('header', { class: 'card-head' }, h('h3', { id: `destination-${name}` }, name), type),
    figures,
    chart,
    h('div', { class: 'button-row' }, toggle, redriveAll),
    result,
    listBox,
  );

  toggle.addEventListener('click', async () => {
    const opening = listBox.hidden;
    listBox.hidden = !opening;
    // An open list takes the whole row: dead letters carry long vendor answers.
    element.classList.toggle('open', opening);
    toggle.setAttribute('aria-expanded', String(opening));
    toggle.textContent = opening ? 'Hide dead letters' : `Show dead letters (${deadLetterCount})`;
    if (opening) await loadList();
  });

  return {
    element,
    update(destination) {
      type.textContent = destination.type;
      deadLetterCount = depthOf(destination.deadLetters);
      replace(figures, destinationFacts(destination));
      replace(chart, ...hourChart(destination.lastHour ?? { delivered: [], failed: [] }));
      redriveAll.hidden = deadLetterCount === 0;
      redriveAll.textContent = `Redrive all ${plural(deadLetterCount, 'dead letter')}`;
      if (listBox.hidden) toggle.textContent = `Show dead letters (${deadLetterCount})`;
      else if (listedCount !== deadLetterCount) loadList();
    },
  };
}

/** Messages in a queue, whatever their state. */
const depthOf = (depth) => (depth ? depth.visible + depth.inFlight + depth.delayed : 0);

/** A destination's figures: its queue, oldest wait, last success and error, dead letters. */
export function destinationFacts(destination) {
  const queue = destination.queue ?? { visible: 0, inFlight: 0, delayed: 0 };
  const deadLetters = depthOf(destination.deadLetters);
  const { lastError } = destination;
  return details([
    [
      'Queue',
      h(
        'span',
        { 'data-figure': 'queue' },
        `${queue.visible} visible · ${queue.inFlight} in flight · ${queue.delayed} delayed`,
      ),
    ],
    [
      'Oldest waiting',
      destination.oldestAgeSeconds !== undefined
        ? duration(destination.oldestAgeSeconds)
        : depthOf(queue) === 0
          ? 'nothing waiting'
          : 'unknown',
    ],
    ['Last success', destination.lastSuccess ? ago(destination.lastSuccess) : 'none in the last hour'],
    [
      'Last error',
      lastError
        ? h(
            'span',
            { class: 'last-error' },
            time(lastError.at, { short: true }),
            ' ',
            h('bdi', { class: 'clamp', title: lastError.reason }, lastError.reason),
          )
        : 'none in the last hour',
      { wide: true },
    ],
    [
      'Dead letters',
      h(
        'span',
        { 'data-figure': 'dead-letters', class: deadLetters ? 'count-bad' : undefined },
        String(deadLetters),
      ),
    ],
  ]);
}

/** The dead-letter list of one destination, or a line saying it is empty. */
function deadLetterList(name, letters, context) {
  if (letters.length === 0) return [h('p', { class: 'empty' }, `${name}'s dead-letter queue is empty.`)];
  return [
    h('h4', {}, `Dead letters (${letters.length}${letters.length >= 100 ? '+' : ''})`),
    h(
      'ul',
      { class: 'letters' },
      letters.map((letter) => deadLetterItem(letter, context)),
    ),
  ];
}

function deadLetterItem(letter, { leadHref, runRedrive, expanded, report }) {
  const open = expanded.has(letter.messageId);
  const more = h(
    'div',
    { class: 'letter-details', hidden: !open },
    details([
      ['Reason', letter.reason ? h('bdi', {}, letter.reason) : 'none recorded', { wide: true }],
      [
        'Why it is here',
        letter.hasLeadpipeAttributes
          ? 'leadpipe gave up on it (the reason above)'
          : 'the queue moved it after too many receives (a crash while delivering), with no reason',
      ],
      ['Attempts', letter.attempts !== undefined ? String(letter.attempts) : undefined],
      ['Failed at', letter.failedAt ? time(letter.failedAt) : undefined],
      ['In the dead-letter queue since', letter.sentAt ? time(letter.sentAt) : undefined],
      ['Receives', letter.receiveCount !== undefined ? String(letter.receiveCount) : undefined],
      ['Lead', letter.leadId ? h('a', { href: leadHref(letter.leadId) }, letter.leadId) : undefined],
      ['Source', letter.source],
      ['Kind', letter.kind],
      ['Message id', h('code', {}, letter.messageId)],
    ]),
    h('h5', {}, 'Body'),
    h('pre', { class: 'body' }, prettyBody(letter.body)),
  );
  const show = h(
    'button',
    {
      type: 'button',
      'aria-expanded': String(open),
      'data-action': 'show',
      onclick: () => {
        more.hidden = !more.hidden;
        if (more.hidden) expanded.delete(letter.messageId);
        else expanded.add(letter.messageId);
        show.setAttribute('aria-expanded', String(!more.hidden));
        show.textContent = more.hidden ? 'Show' : 'Hide';
      },
    },
    open ? 'Hide' : 'Show',
  );
  const again = actionButton('Redrive', () => runRedrive([letter.messageId]), report, {
    'data-action': 'redrive',
  });
  return h(
    'li',
    {
      class: 'letter',
      'data-lead': letter.leadId ?? '',
      'data-message': letter.messageId,
      'data-key': letter.messageId,
    },
    h(
      'div',
      { class: 'letter-head' },
      letter.leadId
        ? h('a', { href: leadHref(letter.leadId) }, h('code', {}, letter.leadId))
        : h('em', {}, letter.kind),
      letter.failedAt ? time(letter.failedAt, { short: true }) : null,
    ),
    h(
      'p',
      { class: 'letter-reason clamp', title: letter.reason ?? '' },
      h('bdi', {}, letter.reason ?? 'No reason recorded (moved by the queue).'),
    ),
    h('div', { class: 'button-row' }, show, again),
    more,
  );
}

/**
 * The last hour per minute: delivered as bars above the axis, failed as bars below it, so the two
 * are told apart by place as well as colour; the figure's label and caption say the totals.
 */
export function hourChart({ delivered = [], failed = [] }) {
  const buckets = 60;
  const width = 240;
  const up = 34;
  const down = 20;
  const height = up + down + 1;
  const step = width / buckets;
  const value = (list, index) => Math.max(0, Number(list[index]) || 0);
  let peak = 0;
  for (let index = 0; index < buckets; index++) {
    peak = Math.max(peak, value(delivered, index), value(failed, index));
  }
  const total = (list) => list.reduce((sum, n) => sum + (Math.max(0, Number(n)) || 0), 0);
  const totalDelivered = total(delivered);
  const totalFailed = total(failed);
  const label = `Last hour, per minute: ${totalDelivered} delivered (bars above the line), ${totalFailed} failed (bars below it).`;
  const bars = [];
  for (let index = 0; index < buckets; index++) {
    const x = (index * step + 0.5).toFixed(2);
    const w = (step - 1).toFixed(2);
    const ok = value(delivered, index);
    const bad = value(failed, index);
    if (ok) {
      const barHeight = Math.max(1, (ok / peak) * up);
      bars.push(
        s('rect', {
          class: 'bar-ok',
          x,
          width: w,
          y: (up - barHeight).toFixed(2),
          height: barHeight.toFixed(2),
        }),
      );
    }
    if (bad) {
      const barHeight = Math.max(1, (bad / peak) * down);
      bars.push(s('rect', { class: 'bar-bad', x, width: w, y: up + 1, height: barHeight.toFixed(2) }));
    }
  }
  const svg = s(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-label': label,
      class: 'hour-chart',
    },
    s('title', {}, label),
    s('line', { class: 'axis', x1: 0, x2: width, y1: up + 0.5, y2: up + 0.5 }),
    bars,
  );
  return [
    svg,
    h(
      'figcaption',
      {},
      h(
        'span',
        { class: 'legend legend-ok' },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }),
        `▲ ${totalDelivered} delivered`,
      ),
      h(
        'span',
        { class: 'legend legend-bad' },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }),
        `▼ ${totalFailed} failed`,
      ),
      h('span', { class: 'muted' }, 'last 60 min'),
    ),
  ];
}
