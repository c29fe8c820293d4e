import {
  actionPayload,
  createSessionSource,
  recommendSessions,
  renderItinerary,
} from '@eventkit/core';
import { loadManifest, SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';

// The agent's logic without the server: agent.json, its sessions, a ranking, an itinerary.
const loaded = await loadManifest(SAMPLE_MANIFEST_PATH);
const { sessions, source } = await createSessionSource(loaded).load({ source: 'manifest' });
const interests = ['agents', 'ai safety'];
const rec = recommendSessions(sessions, interests, { weights: loaded.manifest.weights, top: 3 });
console.log(rec.sessions.length, source); // 3 manifest

const { body, contentType } = renderItinerary(rec, { format: 'ics', interests });
console.log(contentType, body.startsWith('BEGIN:VCALENDAR')); // text/calendar; charset=utf-8 true

// The telemetry payload the agent records for this action: counts and enums, never the text.
const payload = actionPayload('recommend', { interests, top: 3, source, rec });
console.log(Object.keys(payload).join(' ')); // interests_count top source conflicts returned
