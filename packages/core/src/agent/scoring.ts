import { EventKitError } from '../errors.js';
import type { Session, Weights } from '../manifest/manifest-schema.js';
import {
  intervalsOverlap,
  type SessionInterval,
  sessionInterval,
} from '../manifest/session-time.js';
import { parseInterests } from './interests.js';
import { pythonRound } from './python-round.js';

/** The Python Event Kit's default weights (also the manifest defaults). */
export const DEFAULT_WEIGHTS: Weights = { interest: 2.0, popularity: 0.5, diversity: 0.3 };

export interface Contributions {
  interest_match: number;
  popularity: number;
  diversity: number;
}

/** One row of `Recommendation.scoring`; `score` is rounded to 3 decimals as the Python agent does. */
export interface SessionScore {
  title: string;
  score: number;
  contributions: Contributions;
}

export interface Recommendation {
  /** The recommended sessions, best first. */
  sessions: Session[];
  scoring: SessionScore[];
  /** How many returned sessions overlap in time with a higher-ranked returned session. */
  conflicts: number;
}

export interface Explanation {
  title: string;
  /** Unrounded, as the Python agent's explain returns it. */
  score: number;
  contributions: Contributions;
  matched_tags: string[];
}

export interface RecommendOptions {
  weights?: Partial<Weights>;
  /** How many sessions to return (default 3, the manifest's `max_sessions_default` default). */
  top?: number;
}

type Interests = string | readonly string[];

function toInterestSet(interests: Interests): Set<string> {
  return new Set(parseInterests(interests));
}

/** One session with its unrounded score and why: a step of `recommendSessions`, in input order. */
export interface ScoredSession extends Explanation {
  session: Session;
}

/**
 * Scores one session exactly as the Python Event Kit does, including the order of the
 * floating-point additions (interest_match + popularity + diversity).
 */
function score(session: Session, interests: Set<string>, weights: Weights): ScoredSession {
  const matched = session.tags.filter((tag) => interests.has(tag.toLowerCase()));
  const contributions: Contributions = {
    interest_match: matched.length * weights.interest,
    popularity: session.popularity * weights.popularity,
    diversity: interests.size * 0.01 * weights.diversity,
  };
  return {
    session,
    title: session.title,
    score: contributions.interest_match + contributions.popularity + contributions.diversity,
    contributions,
    matched_tags: matched,
  };
}

function resolveWeights(weights: Partial<Weights> | undefined): Weights {
  return { ...DEFAULT_WEIGHTS, ...weights };
}

/** A later session of `sessions` that overlaps an earlier one, with the first such earlier one. */
export interface Conflict {
  session: Session;
  overlapsWith: Session;
}

/**
 * Sessions (in the given rank order) that overlap in time with a higher-ranked one. Overlap is a
 * real interval overlap on the same day; a session ending when another starts is no conflict.
 *
 * @example
 * findConflicts(rec.sessions).map((c) => `${c.session.title} clashes with ${c.overlapsWith.title}`);
 */
export function findConflicts(sessions: readonly Session[]): Conflict[] {
  const intervals = sessions.map((s) => sessionInterval(s));
  const conflicts: Conflict[] = [];
  intervals.forEach((interval, i) => {
    if (!interval) return;
    for (let j = 0; j < i; j++) {
      const earlier = intervals[j] as SessionInterval | undefined;
      if (earlier && intervalsOverlap(interval, earlier)) {
        conflicts.push({ session: sessions[i] as Session, overlapsWith: sessions[j] as Session });
        return;
      }
    }
  });
  return conflicts;
}

function checkTop(top: number): void {
  if (!Number.isInteger(top) || top < 1) {
    throw new EventKitError(
      'INVALID_INPUT',
      `top must be a whole number of 1 or more (got ${top})`,
    );
  }
}

/**
 * The first step of `recommendSessions`: every session scored for a set of interests
 * (DESIGN.md "Scoring"), unrounded and in the given (manifest) order.
 *
 * @example
 * const scored = scoreSessions(manifest.sessions, ['agents', 'ai safety'], { weights: manifest.weights });
 * const rec = rankScoredSessions(scored, { top: 3 });
 */
export function scoreSessions(
  sessions: readonly Session[],
  interests: Interests,
  { weights }: Pick<RecommendOptions, 'weights'> = {},
): ScoredSession[] {
  const interestSet = toInterestSet(interests);
  const resolved = resolveWeights(weights);
  return sessions.map((session) => score(session, interestSet, resolved));
}

/**
 * The second step of `recommendSessions`: highest score first, ties in the given order (a stable
 * sort, as Python's), the `top` best with their scoring (scores rounded to 3 decimals as the
 * Python agent does) and the number of time conflicts among them. `scored` is left as it is.
 *
 * @example
 * const rec = rankScoredSessions(scoreSessions(sessions, ['agents']), { top: 3 });
 */
export function rankScoredSessions(
  scored: readonly ScoredSession[],
  { top = 3 }: Pick<RecommendOptions, 'top'> = {},
): Recommendation {
  checkTop(top);
  const ranked = [...scored].sort((a, b) => b.score - a.score).slice(0, top);
  const returned = ranked.map((r) => r.session);
  return {
    sessions: returned,
    scoring: ranked.map((r) => ({
      title: r.title,
      score: pythonRound(r.score, 3),
      contributions: r.contributions,
    })),
    conflicts: findConflicts(returned).length,
  };
}

/**
 * Ranks sessions for a set of interests (DESIGN.md "Scoring"): highest score first, ties in
 * manifest order; returns the `top` best with their scoring and the number of time conflicts.
 * The same as `rankScoredSessions(scoreSessions(sessions, interests, { weights }), { top })`.
 *
 * @example
 * const rec = recommendSessions(manifest.sessions, parseInterests('agents, ai safety'), {
 *   weights: manifest.weights,
 *   top: 3,
 * });
 * rec.scoring[0]; // { title: 'Generative Agents in Production', score: 2.456, contributions: {…} }
 */
export function recommendSessions(
  sessions: readonly Session[],
  interests: Interests,
  { weights, top = 3 }: RecommendOptions = {},
): Recommendation {
  checkTop(top);
  return rankScoredSessions(scoreSessions(sessions, interests, { weights }), { top });
}

/**
 * Why a session scores what it scores, for a title matched case-insensitively (after trimming).
 * Returns undefined for an unknown title.
 *
 * @example
 * explainSession(sessions, 'generative agents in production', ['agents'], weights);
 * // { title: 'Generative Agents in Production', score: 2.4530000000000003,
 * //   contributions: { interest_match: 2, popularity: 0.45, diversity: 0.003 }, matched_tags: ['agents'] }
 */
export function explainSession(
  sessions: readonly Session[],
  title: string,
  interests: Interests,
  weights?: Partial<Weights>,
): Explanation | undefined {
  const wanted = title.trim().toLowerCase();
  const session = sessions.find((s) => s.title.trim().toLowerCase() === wanted);
  if (!session) return undefined;
  const {
    title: t,
    score: s,
    contributions,
    matched_tags,
  } = score(session, toInterestSet(interests), resolveWeights(weights));
  return { title: t, score: s, contributions, matched_tags };
}
