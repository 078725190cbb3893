// The operations console: find any lead, see where it went, and repair and resend what failed.
// Plain ES modules, no build and no dependency; every byte comes from the host (see its CSP).
// Views are chosen by the address's hash: #feed, #leads, #lead=<id>, #destinations,
// #quarantine, #sources; the token comes once as #token=… and is moved out of the address.
import {
  api,
  forgetToken,
  getToken,
  onUnauthorized,
  parseHash,
  query,
  setToken,
  takeTokenFromAddress,
} from './api.js';
import { createDestinationsView } from './destinations.js';
import { byId, h, replace, say, time } from './dom.js';
import { createFeedView } from './feed.js';
import { createLeadsView, createTimelineView } from './leads.js';
import { startLiveFeed } from './live.js';
import { createQuarantineView } from './quarantine.js';
import { createSourcesView } from './sources.js';

const VIEWS = ['feed', 'leads', 'lead', 'destinations', 'quarantine', 'sources'];
const OVERVIEW_EVERY_MS = 15_000;
/** What the feed shows from before the page opened. */
const CATCH_UP_MS = 10 * 60_000;

const leadHref = (leadId) => `#lead=${encodeURIComponent(leadId)}`;
const openLead = (leadId) => {
  location.hash = leadHref(leadId).slice(1);
};

const state = {
  signedIn: false,
  overview: undefined,
  stopFeed: undefined,
  overviewTimer: undefined,
  overviewSoon: undefined,
  quarantineSoon: undefined,
  configNoteTimer: undefined,
  view: undefined,
  openedAt: new Date(),
};

const feed = createFeedView({ openLead });
const leads = createLeadsView({ leadHref });
const timeline = createTimelineView({
  backToLeads: () => {
    location.hash = 'leads';
  },
});
const destinations = createDestinationsView({ leadHref });
const quarantine = createQuarantineView({ leadHref, changed: () => refreshOverviewSoon() });
const sources = createSourcesView();

// ── sign-in ─────────────────────────────────────────────────────────────────────────────────

function showSignIn(message) {
  state.signedIn = false;
  state.stopFeed?.();
  state.stopFeed = undefined;
  clearInterval(state.overviewTimer);
  if (message) forgetToken();
  for (const section of document.querySelectorAll('section.view')) section.hidden = true;
  byId('nav').hidden = true;
  byId('forget-token').hidden = true;
  say(byId('app-status'), '');
  setConnection('signed-out', 'Not connected');
  say(byId('signin-message'), message ?? '', 'bad');
  byId('signin').hidden = false;
  byId('signin-token').focus();
}

byId('signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const field = byId('signin-token');
  const token = field.value.trim();
  if (!token) return;
  setToken(token);
  field.value = '';
  start();
});

byId('forget-token').addEventListener('click', () => {
  forgetToken();
  showSignIn('');
});

onUnauthorized((message) => showSignIn(message));

// ── start ───────────────────────────────────────────────────────────────────────────────────

async function start() {
  say(byId('signin-message'), '');
  let overview;
  try {
    overview = await api('/overview');
  } catch (error) {
    if (error.status === 401) return; // onUnauthorized showed the form with the server's message.
    byId('signin').hidden = true;
    say(byId('app-status'), `${error.message} Trying again in a few seconds.`, 'bad');
    setTimeout(start, 5_000);
    return;
  }
  state.signedIn = true;
  byId('signin').hidden = true;
  byId('nav').hidden = false;
  byId('forget-token').hidden = false;
  say(byId('app-status'), '');
  applyOverview(overview);
  state.stopFeed?.();
  state.stopFeed = startLiveFeed({
    mode: overview.liveFeed,
    onLedger,
    onConfig: (config) => {
      showConfig(config, { changed: true });
      refreshOverviewSoon();
    },
    onState: connectionState,
    onConnected: catchUp,
  });
  clearInterval(state.overviewTimer);
  state.overviewTimer = setInterval(refreshOverview, OVERVIEW_EVERY_MS);
  route();
}

/** The feed's first lines: what happened shortly before (and while) the stream connected. */
async function catchUp() {
  try {
    const since = new Date(state.openedAt.getTime() - CATCH_UP_MS).toISOString();
    const page = await api(`/feed${query({ since, limit: 500 })}`);
    for (const event of page.events ?? []) feed.add(event);
  } catch {
    // The stream is up; a missed catch-up only leaves older lines out.
  }
}

function onLedger(event) {
  feed.add(event);
  timeline.changed(event);
  refreshOverviewSoon();
  if (state.view === 'quarantine' && (event.kind === 'quarantined' || event.kind === 'replayed')) {
    clearTimeout(state.quarantineSoon);
    state.quarantineSoon = setTimeout(() => quarantine.load(), 500);
  }
}

function connectionState(name, detail) {
  const words = {
    connecting: 'Connecting…',
    live: 'Live',
    polling: 'Live (checks every 5 s)',
    reconnecting: 'Reconnecting…',
    unauthorized: 'Signed out',
    stopped: 'Not connected',
  };
  setConnection(name, words[name] ?? name, detail);
  if (name === 'unauthorized') showSignIn(detail);
}

function setConnection(name, text, detail) {
  const element = byId('connection');
  element.dataset.state = name;
  element.title = detail ?? '';
  byId('connection-text').textContent = text;
}

// ── overview ────────────────────────────────────────────────────────────────────────────────

async function refreshOverview() {
  if (!state.signedIn) return;
  try {
    applyOverview(await api('/overview'));
    say(byId('app-status'), '');
  } catch (error) {
    if (error.status !== 401) say(byId('app-status'), error.message, 'bad');
  }
}

/** At most one overview read per second, however many events arrive. */
function refreshOverviewSoon() {
  if (state.overviewSoon) return;
  state.overviewSoon = setTimeout(() => {
    state.overviewSoon = undefined;
    refreshOverview();
  }, 1_000);
}

function applyOverview(overview) {
  const before = state.overview?.config?.version;
  state.overview = overview;
  showConfig(overview.config, { changed: before !== undefined && before !== overview.config.version });
  destinations.render(overview.destinations ?? []);
  sources.render(overview.sources ?? []);
  leads.setSources((overview.sources ?? []).map((source) => source.name));
  const deadLetters = (overview.destinations ?? []).reduce(
    (sum, d) =>
      sum + (d.deadLetters?.visible ?? 0) + (d.deadLetters?.inFlight ?? 0) + (d.deadLetters?.delayed ?? 0),
    0,
  );
  badge('badge-destinations', deadLetters, 'dead letter');
  badge('badge-quarantine', overview.quarantine?.count ?? 0, 'payload kept', 'payloads kept');
}

function badge(id, count, one, many = `${one}s`) {
  const element = byId(id);
  element.hidden = count === 0;
  replace(element, String(count), h('span', { class: 'visually-hidden' }, ` ${count === 1 ? one : many}`));
}

function showConfig(config, { changed }) {
  if (!config?.version) return;
  const code = byId('config-version');
  const version = String(config.version);
  code.dataset.version = version;
  code.title = version;
  code.textContent = version.length > 16 ? `${version.slice(0, 12)}…` : version;
  replace(byId('config-loaded'), config.loadedAt ? ['loaded ', time(config.loadedAt, { short: true })] : '');
  const note = byId('config-changed');
  if (changed) {
    note.textContent = 'updated';
    note.hidden = false;
    clearTimeout(state.configNoteTimer);
    state.configNoteTimer = setTimeout(() => {
      note.hidden = true;
    }, 10_000);
  }
}

// ── views ───────────────────────────────────────────────────────────────────────────────────

function route() {
  const params = parseHash(location.hash);
  if (params.has('token')) {
    takeTokenFromAddress();
    if (!state.signedIn) return start();
    return route();
  }
  if (!state.signedIn) return;
  const leadId = params.get('lead');
  const named = [...params.keys()].find((key) => VIEWS.includes(key) && key !== 'lead');
  const view = leadId ? 'lead' : (named ?? 'feed');
  const moved = state.view !== undefined && state.view !== view;
  state.view = view;
  for (const section of document.querySelectorAll('section.view'))
    section.hidden = section.dataset.view !== view;
  const tab = view === 'lead' ? 'leads' : view;
  for (const link of document.querySelectorAll('#nav a')) {
    if (link.dataset.view === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (view === 'lead') timeline.open(leadId);
  else timeline.close();
  if (view === 'leads') leads.opened();
  if (view === 'destinations') refreshOverview();
  if (view === 'quarantine') quarantine.load();
  if (view === 'sources') refreshOverview();
  document.title = `${titles[view]} · leadpipe operations`;
  // Moving between sections moves the focus to the new heading, so a screen reader says where it is.
  if (moved) document.querySelector(`section[data-view="${view}"] h2`)?.focus();
}

const titles = {
  feed: 'Live feed',
  leads: 'Leads',
  lead: 'Lead timeline',
  destinations: 'Destinations',
  quarantine: 'Quarantine',
  sources: 'Sources',
};

window.addEventListener('hashchange', route);

takeTokenFromAddress();
if (getToken()) start();
else showSignIn('');
