/**
 * Where the offline agent commands get sessions (`--source`). Apart from the loaders in
 * session-source.ts, so the command tree lists the choices without loading core.
 */
export const SESSION_SOURCES = ['manifest', 'graph'] as const;
export type SessionSource = (typeof SESSION_SOURCES)[number];
