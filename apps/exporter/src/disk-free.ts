import { statfs } from 'node:fs/promises';

/** Free-space ratio (0..1) of the file system holding `dir`, for unprivileged users. */
export async function diskFreeRatio(dir: string): Promise<number> {
  const { bavail, blocks } = await statfs(dir);
  return blocks > 0 ? bavail / blocks : 0;
}
