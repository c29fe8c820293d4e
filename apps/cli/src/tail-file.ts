import { createFileFollower } from '@eventkit/core/telemetry';

/**
 * The last `count` complete lines of a plain file, found by reading backwards from its end, so a
 * 5 GB file costs as much as a small one. A trailing line without its newline (still being
 * written) is left out; a missing file has none.
 */
export async function readLastLines(file: string, count: number): Promise<{ lines: string[] }> {
  const lines: string[] = [];
  const follower = createFileFollower({
    file,
    from: { lastLines: count },
    onLine: (buf, start, end) => lines.push(buf.toString('utf8', start, end)),
  });
  try {
    await follower.poll();
  } finally {
    await follower.close();
  }
  // Lines appended while it read are newer still: keep the newest.
  return { lines: count > 0 ? lines.slice(-count) : [] };
}
