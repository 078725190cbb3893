import { connect } from 'node:net';

/** What came back on one raw connection, and how much of the body was written before it closed. */
export interface RawExchange {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the socket accepted before the server answered or closed the connection. */
  sent: number;
  /** True when the server had closed the connection by the time the exchange ended. */
  closed: boolean;
}

export interface RawRequest {
  /** The request line and headers, without the blank line that ends them. */
  head: string;
  /** Body bytes to stream after the head, in 64 KB chunks (chunked encoding if `chunked`). */
  bodyBytes?: number;
  chunked?: boolean;
  /** Give up (and fail) when nothing complete came back by then. */
  timeoutMs?: number;
}

/**
 * One request over a bare TCP socket to 127.0.0.1:`port`, for what fetch cannot send: a
 * malformed request line, a Content-Length the body never reaches, a body that keeps coming
 * after the answer. Resolves when the server closes the connection or sent a complete answer.
 */
export function rawExchange(port: number, request: RawRequest): Promise<RawExchange> {
  const { head, bodyBytes = 0, chunked = false, timeoutMs = 5_000 } = request;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    let answered = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms (sent ${sent} body bytes)`));
    }, timeoutMs);
    let done = false;
    const finish = (closed: boolean) => {
      const parsed = parseResponse(received, closed);
      if (!parsed) return false;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parsed, sent, closed });
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseResponse(received, false);
      // A sender that got its whole answer stops sending and hangs up, as curl does.
      if (parsed && !answered) {
        answered = true;
        socket.end();
        if (parsed.headers.connection !== 'close') finish(false);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (done) return;
      if (!finish(true)) {
        clearTimeout(timer);
        reject(new Error(`the connection closed without an answer (sent ${sent} body bytes)`));
      }
    });
    socket.write(`${head}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (sent < bodyBytes && !socket.destroyed && !answered) {
        const size = Math.min(chunk.length, bodyBytes - sent);
        const piece = chunk.subarray(0, size);
        const ok = socket.write(
          chunked
            ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
            : piece,
        );
        sent += size;
        if (!ok) {
          socket.once('drain', pump);
          return;
        }
      }
    };
    pump();
  });
}

/**
 * Status, headers and body of an HTTP/1.1 answer, or undefined while incomplete: a body is
 * delimited by its Content-Length, by chunked encoding, or (neither) by the connection closing.
 */
function parseResponse(bytes: Buffer, closed: boolean): Omit<RawExchange, 'sent' | 'closed'> | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  const body =
    headers['content-length'] !== undefined
      ? rest.length >= Number(headers['content-length'])
        ? rest.subarray(0, Number(headers['content-length']))
        : undefined
      : headers['transfer-encoding'] === 'chunked'
        ? dechunk(rest)
        : closed
          ? rest
          : undefined;
  if (!body) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

/** A complete chunked body, decoded; undefined until its last chunk is in. */
function dechunk(bytes: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts);
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}
