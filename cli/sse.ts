/** One Server-Sent Event, as the stream dispatched it. */
export interface SseEvent {
  /** The `event:` field; `message` when the stream gave none. */
  type: string;
  /** The `data:` lines, joined by newlines. */
  data: string;
  /** The last event id the stream set (kept across events, as EventSource keeps it); '' when none. */
  id: string;
}

export interface SseParser {
  /** Feeds the next chunk (bytes, or text already decoded) and returns the events it completed. */
  push(chunk: string | Uint8Array): SseEvent[];
  /** What to send as Last-Event-ID when reconnecting; '' when the stream set none. */
  readonly lastEventId: string;
  /** The reconnection time the stream asked for (`retry:`), in ms. */
  readonly retry: number | undefined;
}

/**
 * A parser for a `text/event-stream` body, as the HTML standard's EventSource reads it: lines end
 * in CRLF, LF or CR (a CRLF split across chunks counts once), a leading BOM is dropped, `:` starts
 * a comment, one space after the colon is not part of the value, a blank line dispatches (nothing
 * when no data arrived), `id` with a NUL is ignored, `retry` only with digits. A last event not
 * ended by a blank line is never dispatched.
 */
export function createSseParser(): SseParser {
  const decoder = new TextDecoder('utf-8');
  let started = false;
  let afterCR = false;
  let partial = '';
  let type = '';
  let data = '';
  let lastEventId = '';
  let retry: number | undefined;

  const field = (line: string, events: SseEvent[]) => {
    if (line === '') {
      if (data !== '') events.push({ type: type || 'message', data: data.slice(0, -1), id: lastEventId });
      type = '';
      data = '';
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'event') type = value;
    else if (name === 'data') data += `${value}\n`;
    else if (name === 'id' && !value.includes('\0')) lastEventId = value;
    else if (name === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };

  return {
    push(chunk) {
      // The decoder drops a leading BOM itself and keeps a character split across chunks for the next one.
      let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
      if (!started && text !== '') {
        started = true;
        if (typeof chunk === 'string' && text.startsWith('\uFEFF')) text = text.slice(1);
      }
      if (afterCR && text !== '') {
        afterCR = false;
        if (text.startsWith('\n')) text = text.slice(1);
      }
      const events: SseEvent[] = [];
      let start = 0;
      for (let index = 0; index < text.length; index++) {
        const code = text.charCodeAt(index);
        if (code !== 10 && code !== 13) continue;
        field(partial + text.slice(start, index), events);
        partial = '';
        if (code === 13) {
          if (index + 1 === text.length) afterCR = true;
          else if (text.charCodeAt(index + 1) === 10) index++;
        }
        start = index + 1;
      }
      partial += text.slice(start);
      return events;
    },
    get lastEventId() {
      return lastEventId;
    },
    get retry() {
      return retry;
    },
  };
}
