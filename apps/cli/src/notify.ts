import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';

/** POSTs `body` as JSON; resolves to an error message, or undefined on a 2xx answer. */
export async function postWebhook(
  fetchFn: typeof fetch,
  url: string,
  body: unknown,
  timeoutMs = 10_000,
): Promise<string | undefined> {
  try {
    const response = await fetchFn(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    return response.ok ? undefined : `answered HTTP ${response.status}`;
  } catch (error) {
    const err = error as { message?: string; cause?: { message?: string } };
    return err.cause?.message ?? err.message ?? String(error);
  }
}

/** sendmail from EVENTKIT_SENDMAIL, the usual system paths, or PATH; undefined when absent. */
export async function findSendmail(
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  const candidates = [
    env.EVENTKIT_SENDMAIL,
    '/usr/sbin/sendmail',
    '/usr/lib/sendmail',
    ...(env.PATH ?? '')
      .split(path.delimiter)
      .filter(Boolean)
      .map((dir) => path.join(dir, 'sendmail')),
  ].filter((candidate): candidate is string => Boolean(candidate));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next place
    }
  }
  return undefined;
}

/** Sends a plain-text mail through `sendmail -t`; resolves to an error message or undefined. */
export function sendMail(
  sendmail: string,
  message: { to: string; subject: string; body: string },
): Promise<string | undefined> {
  const header = (value: string) => value.replace(/[\r\n]+/g, ' ');
  const text = `To: ${header(message.to)}\nSubject: ${header(message.subject)}\nContent-Type: text/plain; charset=utf-8\n\n${message.body}\n`;
  return new Promise((resolve) => {
    const child = spawn(sendmail, ['-t', '-i'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', (error) => resolve(error.message));
    child.on('close', (code) =>
      resolve(code === 0 ? undefined : `exited with ${code}${stderr ? `: ${stderr.trim()}` : ''}`),
    );
    child.stdin.on('error', () => {});
    child.stdin.end(text);
  });
}
