import type { Recommendation } from '@eventkit/core';

/**
 * The recommendation as an Adaptive Card (schema 1.5) for chat front ends (Teams, Copilot):
 * one container per session with its time, room and score, conflicts called out.
 */
export function recommendationCard(rec: Recommendation, interests: readonly string[]) {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.5',
    body: [
      {
        type: 'TextBlock',
        text: 'Recommended sessions',
        weight: 'Bolder',
        size: 'Medium',
        wrap: true,
      },
      {
        type: 'TextBlock',
        text: `Interests: ${interests.join(', ')}`,
        isSubtle: true,
        wrap: true,
      },
      ...rec.sessions.map((session, i) => ({
        type: 'Container',
        separator: i > 0,
        items: [
          { type: 'TextBlock', text: `${i + 1}. ${session.title}`, weight: 'Bolder', wrap: true },
          {
            type: 'FactSet',
            facts: [
              {
                title: 'Time',
                value: `${session.date ? `${session.date} ` : ''}${session.start}–${session.end}`,
              },
              { title: 'Where', value: session.location || '—' },
              { title: 'Tags', value: session.tags.join(', ') || '—' },
              { title: 'Score', value: String(rec.scoring[i]?.score ?? '') },
            ],
          },
        ],
      })),
      ...(rec.conflicts > 0
        ? [
            {
              type: 'TextBlock',
              text: `${rec.conflicts} of these overlap in time with a higher-ranked session.`,
              color: 'Warning',
              wrap: true,
            },
          ]
        : []),
    ],
  };
}
