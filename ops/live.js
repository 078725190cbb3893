// The live feed's transport. EventSource cannot send an Authorization header, so the stream is
// read with fetch and parsed here (the HTML standard's event-stream rules); after a drop it
// reconnects with Last-Event-ID so nothing appended meanwhile is missed. Where the host has no
// stream (AWS), it polls /feed instead.
import { API, ApiError, api, authHeaders, query, refusal } from './api.js';

const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 15_000;
/** The host sends a comment every 15 s; silence for this long means the connection is dead. */
const SILENCE_MS = 45_000;
export const POLL_MS = 5_000;

/**
 * An event-stream parser: feed it decoded text in any chunks; it calls `onEvent({type, data, id})`
 * per dispatched event (`type` 'message' when unnamed) and `onComment()` per comment line.
 */
export function createSseParser({ onEvent, onComment = () => undefined, onRetry = () => undefined }) {
  let buffer = '';
  let type = '';
  let data = [];
  let lastEventId = '';

  const dispatch = () => {
    if (data.length > 0) onEvent({ type: type || 'message', data: data.join('\n'), id: lastEventId });
    type = '';
    data = [];
  };
  const line = (text) => {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return onComment();
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
  };

  return {
    push(text) {
      buffer += text;
      let start = 0;
      for (let index = 0; index < buffer.length; index++) {
        const char = buffer[index];
        if (char !== '\n' && char !== '\r') continue;
        // A CR at the end of a chunk may be the first half of CRLF: wait for the next chunk.
        if (char === '\r' && index === buffer.length - 1) break;
        line(buffer.slice(start, index));
        if (char === '\r' && buffer[index + 1] === '\n') index++;
        start = index + 1;
      }
      buffer = buffer.slice(start);
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * Starts the feed: `onLedger(event)` per ledger event, `onConfig({version, loadedAt})` when the
 * live config changes, `onState(state, detail)` with 'connecting' | 'live' | 'polling' |
 * 'reconnecting' | 'unauthorized' | 'stopped'. Returns stop().
 */
export function startLiveFeed({ mode, onLedger, onConfig, onState, onConnected = () => undefined }) {
  const control = { stopped: false, abort: new AbortController() };
  const stop = () => {
    control.stopped = true;
    control.abort.abort();
    onState('stopped');
  };
  const run = mode === 'poll' ? poll : stream;
  run({ control, onLedger, onConfig, onState, onConnected }).catch((error) => {
    if (!control.stopped) onState('reconnecting', error?.message ?? String(error));
  });
  return stop;
}

async function stream({ control, onLedger, onConfig, onState, onConnected }) {
  let lastEventId = '';
  // The server's `retry:` sets the first wait after a drop; failed attempts double it.
  let firstDelay = RECONNECT_FIRST_MS;
  let delay = firstDelay;
  while (!control.stopped) {
    onState(lastEventId ? 'reconnecting' : 'connecting');
    const attempt = new AbortController();
    const abortAttempt = () => attempt.abort();
    control.abort.signal.addEventListener('abort', abortAttempt);
    let watchdog;
    const heard = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(abortAttempt, SILENCE_MS);
    };
    try {
      const response = await fetch(`${API}/events`, {
        headers: authHeaders({
          accept: 'text/event-stream',
          ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
        }),
        cache: 'no-store',
        credentials: 'omit',
        signal: attempt.signal,
      });
      if (response.status === 401) {
        const error = await refusal(response);
        onState('unauthorized', error.message);
        throw error;
      }
      if (response.status === 404) {
        // This host has no stream (AWS): poll instead.
        return poll({ control, onLedger, onConfig, onState, onConnected });
      }
      if (!response.ok || !response.body) throw await refusal(response);
      onState('live');
      onConnected();
      delay = firstDelay;
      heard();
      const parser = createSseParser({
        onComment: heard,
        onRetry: (ms) => {
          firstDelay = Math.min(Math.max(ms, 250), RECONNECT_MAX_MS);
          delay = firstDelay;
        },
        onEvent: (event) => {
          heard();
          // Each connection has its own parser: keep the id the last one saw when a new one has none yet.
          if (event.id) lastEventId = event.id;
          const data = parseJson(event.data);
          if (data === undefined) return;
          if (event.type === 'ledger') onLedger(data);
          else if (event.type === 'config') onConfig(data);
        },
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        heard();
        parser.push(value);
      }
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return;
      // A drop, a silent connection or a refusal: try again below.
    } finally {
      clearTimeout(watchdog);
      control.abort.signal.removeEventListener('abort', abortAttempt);
    }
    if (control.stopped) return;
    onState('reconnecting');
    await sleep(delay, control.abort.signal);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  }
}

async function poll({ control, onLedger, onState, onConnected }) {
  // Start a little in the past so a lead sent just before the page opened is there too.
  let since = new Date(Date.now() - 10 * 60_000).toISOString();
  let first = true;
  while (!control.stopped) {
    try {
      const page = await api(`/feed${query({ since })}`, { signal: control.abort.signal });
      for (const event of page.events ?? []) onLedger(event);
      if (page.next) since = page.next;
      onState('polling');
      if (first) onConnected();
      first = false;
    } catch (error) {
      if (control.stopped) return;
      if (error instanceof ApiError && error.status === 401) {
        onState('unauthorized', error.message);
        return;
      }
      onState('reconnecting', error?.message);
    }
    await sleep(POLL_MS, control.abort.signal);
  }
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
