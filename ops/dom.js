// DOM building without innerHTML: every piece of lead data becomes a text node, so a name that
// holds `<script>` or any Unicode is shown as written and never parsed. The page's CSP forbids
// inline styles and handlers, so there is no `style` and no string `on*` here either.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An element: `props` are attributes (class, hidden, aria-*, data-*, …) or, when a function is
 * given for an `on…` key, an event listener; children are nodes, strings (as text) or arrays.
 */
export function h(tag, props = {}, ...children) {
  return build(document.createElement(tag), props, children);
}

/** An SVG element, built the same way (createElementNS). */
export function s(tag, props = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), props, children);
}

function build(element, props, children) {
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'style') throw new Error('Inline styles are refused by the CSP: use a class.');
    if (key.startsWith('on')) {
      if (typeof value !== 'function') throw new Error(`${key} must be a function.`);
      element.addEventListener(key.slice(2), value);
    } else if (key === 'hidden') {
      element.hidden = Boolean(value);
    } else {
      element.setAttribute(key === 'className' ? 'class' : key, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends nodes, strings (as text) and arrays of them; skips null, undefined and false. */
export function append(parent, children) {
  for (const child of [children].flat(Number.POSITIVE_INFINITY)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces every child of `parent`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

/** Looks up an element the page's HTML is known to have. */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}.`);
  return element;
}

/** Untrusted text isolated from its surroundings' direction (an Arabic name beside an email). */
export const bdi = (text) => h('bdi', {}, text ?? '');

/**
 * A definition list from [term, value, { wide }] entries (wide: the whole row, for long text);
 * entries with an undefined or empty value are left out.
 */
export function details(pairs, className = 'facts') {
  const list = h('dl', { class: className });
  for (const [term, value, options] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value) && value.length === 0) continue;
    list.append(
      h('div', { class: options?.wide ? 'wide' : undefined }, h('dt', {}, term), h('dd', {}, value)),
    );
  }
  return list;
}

// ── formatting ────────────────────────────────────────────────────────────────────────────────

const dateTime = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** A <time> showing the local date and time (only the time when `short`), ISO in its title. */
export function time(iso, { short = false } = {}) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso ?? ''));
  const text = short && isToday(date) ? timeOnly.format(date) : dateTime.format(date);
  return h('time', { datetime: date.toISOString(), title: date.toISOString() }, text);
}

function isToday(date) {
  const now = new Date();
  return date.toDateString() === now.toDateString();
}

/** "45 s", "3 min", "2 h 5 min", "3 d 4 h". */
export function duration(seconds) {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

/** "3 min ago" for a past ISO time, with the exact time in a <time>. */
export function ago(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return h('span', {}, String(iso ?? ''));
  const seconds = (Date.now() - date.getTime()) / 1000;
  return h(
    'time',
    { datetime: date.toISOString(), title: dateTime.format(date) },
    seconds < 5 ? 'just now' : `${duration(seconds)} ago`,
  );
}

/** "812 B", "4.2 KB", "1.3 MB". */
export function bytes(count) {
  if (!Number.isFinite(count)) return '';
  if (count < 1024) return `${count} B`;
  if (count < 1024 * 1024) return `${(count / 1024).toFixed(1)} KB`;
  return `${(count / 1024 / 1024).toFixed(1)} MB`;
}

/** "1 lead", "3 leads". */
export const plural = (count, one, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/** A body for people: JSON pretty-printed, anything else as it came. */
export function prettyBody(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** A link only for http(s) URLs (a vendor's record link is data too: no javascript: URL). */
export function safeLink(url, text) {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' || parsed.protocol === 'http:') {
      return h('a', { href: parsed.href, rel: 'noopener noreferrer', target: '_blank' }, text);
    }
  } catch {
    // Not a URL: shown as text below.
  }
  return h('span', {}, text);
}

/**
 * A table that becomes a list of cards on a narrow screen (styles.css: .stack): each cell carries
 * its column's name for the card view. `columns`: [{ label, cell(row) → node or text, class? }].
 */
export function table(columns, rows, { caption, rowProps = () => ({}) } = {}) {
  return h(
    'table',
    { class: 'stack' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((column) => h('th', { scope: 'col' }, column.label)),
      ),
    ),
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          rowProps(row),
          columns.map((column) =>
            h('td', { 'data-label': column.label, class: column.class }, column.cell(row)),
          ),
        ),
      ),
    ),
  );
}

/** A status line's text and tone ('', 'ok', 'bad', 'busy'), for the regions marked role=status. */
export function say(element, text, tone = '') {
  element.textContent = text;
  element.dataset.tone = tone;
  element.hidden = text === '';
}

/**
 * Runs `render` (which rebuilds part of `container`) and puts the focus back on the control a
 * person was on: found again by its item's `data-key` and its own `data-action`. A list that
 * refreshes itself while someone tabs through it must not throw them back to the top.
 */
export function keepingFocus(container, render) {
  const active = document.activeElement;
  const action = container.contains(active) ? active.getAttribute('data-action') : null;
  const key = action ? active.closest('[data-key]')?.getAttribute('data-key') : null;
  const result = render();
  if (action) {
    const scope = key ? container.querySelector(`[data-key="${CSS.escape(key)}"]`) : container;
    const again = scope?.querySelector(`[data-action="${CSS.escape(action)}"]`);
    if (again && again !== document.activeElement) again.focus();
  }
  return result;
}

/**
 * Runs `task` for a button, which says it is busy meanwhile and ignores clicks. Not `disabled`:
 * a disabled button loses the focus, and a keyboard user would be thrown back to the top.
 */
export async function whileBusy(button, task) {
  if (button.getAttribute('aria-disabled') === 'true') return undefined;
  button.setAttribute('aria-disabled', 'true');
  try {
    return await task();
  } finally {
    button.removeAttribute('aria-disabled');
  }
}
