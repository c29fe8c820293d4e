/** The fleet's health alerts, whose `for:` the drill shortens. */
export const FLEET_ALERTS = ['EventAgentDown', 'EventAgentInstanceDown'] as const;

/**
 * The shipped alert rules with the `for:` of `alerts` replaced by `forSeconds`, so that a drill
 * of a minute sees them fire; every expression, label and every other rule is kept as shipped.
 * Throws when one of `alerts` has no `for:` to shorten.
 */
export function shortenAlertDurations(
  rules: string,
  forSeconds: number,
  alerts: readonly string[] = FLEET_ALERTS,
): string {
  const shortened = new Set<string>();
  let current: string | undefined;
  const out = rules.split('\n').map((line) => {
    const alert = /^\s*-\s*alert:\s*(\S+)/.exec(line);
    if (alert) current = alert[1];
    else if (/^\s*-\s*(record|name):/.test(line)) current = undefined;
    const duration = /^(\s*)for:\s*\S+/.exec(line);
    if (duration && current && alerts.includes(current)) {
      shortened.add(current);
      return `${duration[1]}for: ${forSeconds}s`;
    }
    return line;
  });
  const missing = alerts.filter(
    (alert) => rules.includes(`alert: ${alert}`) && !shortened.has(alert),
  );
  if (missing.length > 0) throw new Error(`alert rules: ${missing.join(', ')} have no for:`);
  return out.join('\n');
}
