import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole response as received (status line, headers, body). */
  raw: string;
}

/**
 * Sends one HTTP/1.1 request byte for byte (no client-side validation, unlike fetch), so a test
 * can send control characters, invalid UTF-8, duplicate or enormous headers. `Connection: close`.
 */
export function rawRequest(
  port: number,
  target: string | Buffer,
  headers: Array<[string, string | Buffer]> = [],
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no response within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => {
      // A reset after a complete answer still counts as the answer.
    });
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      const head = all.subarray(0, split < 0 ? all.length : split).toString('latin1');
      const rest = split < 0 ? Buffer.alloc(0) : all.subarray(split + 4);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const status = Number(statusLine.split(' ')[1] ?? 0);
      const parsed: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) parsed[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = parsed['transfer-encoding'] === 'chunked' ? unchunk(rest) : rest;
      resolve({ status, headers: parsed, body: body.toString('utf8'), raw: all.toString('utf8') });
    });
    const head = Buffer.concat([
      Buffer.isBuffer(target)
        ? Buffer.concat([Buffer.from('GET '), target])
        : Buffer.from(`GET ${target}`),
      Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n'),
      ...headers.flatMap(([name, value]) => [
        Buffer.from(`${name}: `),
        Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
        Buffer.from('\r\n'),
      ]),
      Buffer.from('Connection: close\r\n\r\n'),
    ]);
    // write, not end: a half-closed socket may be dropped before a slow answer is written.
    socket.write(head);
  });
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) return Buffer.concat([...parts, rest]);
    const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) return Buffer.concat(parts);
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}
