import { describeSessionTime, findConflicts, type Recommendation } from '@eventkit/core';

export const ADAPTIVE_CARD_SCHEMA = 'http://adaptivecards.io/schemas/adaptive-card.json';

export interface AdaptiveCardOptions {
  title?: string;
  /** Normalised interests, shown under the title. */
  interests?: readonly string[];
}

export interface AdaptiveCardElement {
  type: string;
  [key: string]: unknown;
}

/** An Adaptive Card (schema 1.5) as a plain JSON object. */
export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: typeof ADAPTIVE_CARD_SCHEMA;
  version: '1.5';
  body: AdaptiveCardElement[];
}

const text = (value: string, extra: Record<string, unknown> = {}): AdaptiveCardElement => ({
  type: 'TextBlock',
  text: value,
  wrap: true,
  ...extra,
});

/**
 * The recommendation as an Adaptive Card 1.5 (Teams, Outlook, Copilot chat): a heading, then one
 * container per session with its time, room, track, tags and score, and a warning on clashes.
 * Returned by `/recommend?card=1`.
 *
 * @example
 * const card = buildAdaptiveCard(rec, { interests: ['agents'] });
 * JSON.stringify(card); // {"type":"AdaptiveCard","version":"1.5",...}
 */
export function buildAdaptiveCard(
  rec: Recommendation,
  { title = 'Recommended sessions', interests }: AdaptiveCardOptions = {},
): AdaptiveCard {
  const clashes = new Map(findConflicts(rec.sessions).map((c) => [c.session, c.overlapsWith]));
  const body: AdaptiveCardElement[] = [
    text(title, { size: 'Large', weight: 'Bolder', style: 'heading' }),
  ];
  if (interests && interests.length > 0) {
    body.push(text(`For: ${interests.join(', ')}`, { isSubtle: true, spacing: 'None' }));
  }
  if (rec.sessions.length === 0) body.push(text('No sessions matched.'));
  rec.sessions.forEach((session, i) => {
    const facts = [
      { title: 'When', value: describeSessionTime(session) },
      ...(session.location ? [{ title: 'Where', value: session.location }] : []),
      ...(session.track ? [{ title: 'Track', value: session.track }] : []),
      ...(session.tags.length ? [{ title: 'Tags', value: session.tags.join(', ') }] : []),
      ...(rec.scoring[i] ? [{ title: 'Score', value: String(rec.scoring[i]?.score) }] : []),
    ];
    const items: AdaptiveCardElement[] = [
      text(`${i + 1}. ${session.title}`, { weight: 'Bolder', size: 'Medium' }),
      { type: 'FactSet', facts },
    ];
    const clash = clashes.get(session);
    if (clash)
      items.push(text(`Overlaps with ${clash.title}`, { color: 'Warning', spacing: 'Small' }));
    body.push({
      type: 'Container',
      id: `session-${i + 1}`,
      separator: true,
      spacing: 'Medium',
      items,
    });
  });
  if (rec.conflicts > 0) {
    body.push(
      text(`${rec.conflicts} time conflict${rec.conflicts === 1 ? '' : 's'} in this selection`, {
        color: 'Warning',
        isSubtle: true,
      }),
    );
  }
  return { type: 'AdaptiveCard', $schema: ADAPTIVE_CARD_SCHEMA, version: '1.5', body };
}
