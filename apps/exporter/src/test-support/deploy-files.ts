import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Absolute path of a file under the repository's deploy/ directory. */
export const deployPath = (path: string) =>
  fileURLToPath(new URL(`../../../../deploy/${path}`, import.meta.url));

export const readDeployFile = (path: string) => readFileSync(deployPath(path), 'utf8');

export interface DashboardTarget {
  expr: string;
  legendFormat?: string;
  exemplar?: boolean;
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  repeat?: string;
  targets?: DashboardTarget[];
}

export interface Dashboard {
  panels: DashboardPanel[];
  templating: { list: Array<{ name: string; type: string; allValue?: string; query?: unknown }> };
}

export const readDashboard = () =>
  JSON.parse(readDeployFile('grafana/event-agent-dashboard.json')) as Dashboard;

/**
 * Every expression of the dashboard as Grafana sends it with "All" selected: each template
 * variable replaced by its `allValue` (the datasource variable appears in no expression).
 */
export function dashboardExpressions(dashboard: Dashboard = readDashboard()): string[] {
  const variables = dashboard.templating.list.filter((variable) => variable.allValue);
  return dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) =>
      variables.reduce(
        (expr, variable) => expr.replaceAll(`$${variable.name}`, variable.allValue ?? ''),
        target.expr,
      ),
    ),
  );
}
