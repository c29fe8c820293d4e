import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type IPodMonitor,
  PodMonitor,
} from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  type IPodDisruptionBudget,
  PodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { type IService, Service } from 'kubernetes-models/v1/Service';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createCli } from './cli.js';
import { deployPath, readDeployFile } from './test-support/deploy-files.js';

// deploy/kubernetes/ checked against the Kubernetes API schemas (kubernetes-models: the
// OpenAPI schemas compiled to validators, and the same schemas as TypeScript types), and against
// what the agent and the exporter really serve and accept. No cluster needed.

type Manifest = { apiVersion?: string; kind?: string; metadata?: { name?: string } };

/** Every kind deploy/kubernetes/ may hold, keyed by apiVersion and kind: validator and type. */
const SCHEMAS: Record<string, { model: (doc: unknown) => { validate(): void }; type: string }> = {
  'apps/v1 Deployment': {
    model: (doc) => new Deployment(doc as IDeployment),
    type: "IDeployment } from 'kubernetes-models/apps/v1/Deployment",
  },
  'v1 Service': {
    model: (doc) => new Service(doc as IService),
    type: "IService } from 'kubernetes-models/v1/Service",
  },
  'policy/v1 PodDisruptionBudget': {
    model: (doc) => new PodDisruptionBudget(doc as IPodDisruptionBudget),
    type: "IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget",
  },
  'monitoring.coreos.com/v1 PodMonitor': {
    model: (doc) => new PodMonitor(doc as IPodMonitor),
    type: "IPodMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor",
  },
};

function schemaOf(file: string, doc: Manifest) {
  const key = `${doc.apiVersion} ${doc.kind}`;
  const schema = SCHEMAS[key];
  if (!schema) throw new Error(`${file}: no schema for ${key}; add one to SCHEMAS`);
  return { key, schema };
}

/** Validates one manifest; throws naming the file, the object and the failing field. */
function validate(file: string, doc: Manifest): void {
  const { key, schema } = schemaOf(file, doc);
  try {
    schema.model(doc).validate();
  } catch (error) {
    throw new Error(`${file}: ${key} ${doc.metadata?.name}: ${(error as Error).message}`);
  }
}

/**
 * The validators accept fields the API does not know (a misspelt `readinesProbe` would be
 * ignored by the cluster: no probe). TypeScript's excess property check on the same schemas'
 * types refuses them: each manifest becomes a typed object literal in one in-memory program.
 * Returns the type errors of each manifest, in order.
 */
function typeErrors(docs: Array<{ file: string; doc: Manifest }>): string[][] {
  const fileName = join(dirname(fileURLToPath(import.meta.url)), '__manifests__.ts');
  const source = docs
    .map(({ file, doc }, i) => {
      const { schema } = schemaOf(file, doc);
      return `import type { ${schema.type.replace(' }', ` as T${i} }`)}'; export const m${i}: T${i} = ${JSON.stringify(doc)};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, language)
      : getSourceFile(name, language, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const errors = docs.map((): string[] => []);
  for (const diagnostic of ts.getPreEmitDiagnostics(ts.createProgram([fileName], options, host))) {
    const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line ?? 0;
    (errors[line] ?? errors[0])?.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '));
  }
  return errors;
}

function manifests(): Array<{ file: string; doc: Manifest }> {
  const files = readdirSync(deployPath('kubernetes'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.yaml'))
    .sort();
  return files.flatMap((file) =>
    parseAllDocuments(readDeployFile(join('kubernetes', file))).map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return { file, doc: document.toJS() as Manifest };
    }),
  );
}

const all = manifests();
const find = <T>(kind: string) => all.find(({ doc }) => doc.kind === kind)?.doc as T;
const deployment = find<IDeployment>('Deployment');
const pod = deployment.spec?.template;
const agent = pod?.spec?.containers.find((c) => c.name === 'agent') as IContainer;
const exporter = pod?.spec?.initContainers?.find((c) => c.name === 'exporter') as IContainer;
const env = (name: string) => agent.env?.find((entry) => entry.name === name)?.value;
const arg = (container: IContainer, flag: string) => {
  const args = container.args ?? [];
  return args[args.indexOf(flag) + 1];
};
const portNamed = (container: IContainer, name: string) =>
  container.ports?.find((port) => port.name === name)?.containerPort;

describe('deploy/kubernetes against the Kubernetes API schemas', () => {
  it('holds a Deployment, a Service, a PodDisruptionBudget and a PodMonitor', () => {
    expect(all.map(({ doc }) => doc.kind).sort()).toEqual([
      'Deployment',
      'PodDisruptionBudget',
      'PodMonitor',
      'Service',
    ]);
  });

  it.each(all.map(({ file, doc }) => [`${file} ${doc.kind}`, file, doc] as const))(
    '%s is valid',
    (_, file, doc) => {
      expect(() => validate(file, doc)).not.toThrow();
    },
  );

  // The same validation must reject broken manifests, or the test above proves nothing.
  type Loose = {
    spec: {
      selector?: unknown;
      template: {
        spec: {
          terminationGracePeriodSeconds?: unknown;
          containers: [{ name?: unknown; ports: [{ containerPort: unknown }] }];
        };
      };
    };
  };
  it.each([
    [
      'a port given as text',
      (doc: Loose) => {
        doc.spec.template.spec.containers[0].ports[0].containerPort = 'http';
      },
      /containers\/0\/ports\/0\/containerPort must be integer/,
    ],
    [
      'no selector',
      (doc: Loose) => {
        delete doc.spec.selector;
      },
      /spec must have required property selector/,
    ],
    [
      'a container without a name',
      (doc: Loose) => {
        delete doc.spec.template.spec.containers[0].name;
      },
      /containers\/0 must have required property name/,
    ],
    [
      'a grace period as a duration string',
      (doc: Loose) => {
        doc.spec.template.spec.terminationGracePeriodSeconds = '30s';
      },
      /terminationGracePeriodSeconds must be integer/,
    ],
  ])('rejects a Deployment with %s', (_, change, message) => {
    const copy = structuredClone(deployment) as unknown as Loose;
    change(copy);
    expect(() => validate('in memory', copy as Manifest)).toThrow(message);
  });

  it('has no field the API does not know, and would see a misspelt one', () => {
    const typo = structuredClone(deployment) as unknown as {
      spec: { template: { spec: { containers: Array<Record<string, unknown>> } } };
    };
    const container = typo.spec.template.spec.containers[0] ?? {};
    container.readinesProbe = container.readinessProbe;
    delete container.readinessProbe;
    const errors = typeErrors([...all, { file: 'in memory', doc: typo as Manifest }]);
    expect(errors.slice(0, -1)).toEqual(all.map(() => []));
    expect(errors.at(-1)?.join('\n')).toMatch(
      /'"readinesProbe"' does not exist in type 'IContainer'/,
    );
  }, 30_000);

  it('rejects a kind it has no schema for', () => {
    expect(() => validate('in memory', { apiVersion: 'v1', kind: 'Pod' })).toThrow(
      /no schema for v1 Pod/,
    );
  });
});

describe('the Deployment runs the agent as the agent expects', () => {
  it('probes liveness on /livez and readiness on /readyz, on the port the agent listens on', () => {
    expect(agent.livenessProbe?.httpGet).toMatchObject({ path: '/livez', port: 'http' });
    expect(agent.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port: 'http' });
    expect(String(portNamed(agent, 'http'))).toBe(env('PORT'));
    expect(env('HOST')).toBe('0.0.0.0');
  });

  it('sleeps in preStop as long as SHUTDOWN_DELAY_MS, and the grace period outlasts the whole drain', () => {
    const preStopSeconds = agent.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const delayMs = Number(env('SHUTDOWN_DELAY_MS'));
    const drainMs = Number(env('SHUTDOWN_TIMEOUT_MS'));
    expect(preStopSeconds).toBeGreaterThan(0);
    expect(preStopSeconds * 1000).toBe(delayMs);
    expect(pod?.spec?.terminationGracePeriodSeconds ?? 0).toBeGreaterThan(
      preStopSeconds + (delayMs + drainMs) / 1000,
    );
  });

  it('names each pod in its telemetry (EVENTKIT_INSTANCE from the pod name)', () => {
    const instance = agent.env?.find((entry) => entry.name === 'EVENTKIT_INSTANCE');
    expect(instance?.valueFrom?.fieldRef?.fieldPath).toBe('metadata.name');
  });

  it('gives every container requests and a memory limit', () => {
    for (const container of [agent, exporter]) {
      expect(container.resources?.requests, container.name).toMatchObject({
        cpu: expect.any(String),
        memory: expect.any(String),
      });
      expect(container.resources?.limits?.memory, container.name).toEqual(expect.any(String));
    }
  });
});

describe('the exporter sidecar', () => {
  const mountOf = (container: IContainer, volume: string) =>
    container.volumeMounts?.find((mount) => mount.name === volume);

  it('is a native sidecar, so it stops after the agent and reads its last lines', () => {
    expect(exporter.restartPolicy).toBe('Always');
  });

  it('follows the telemetry file the agent writes, on an emptyDir both mount', () => {
    const agentMount = agent.volumeMounts?.find((mount) => mount.mountPath === agent.workingDir);
    expect(agentMount).toBeDefined();
    const volume = pod?.spec?.volumes?.find((entry) => entry.name === agentMount?.name);
    expect(volume?.emptyDir).toBeDefined();
    const exporterMount = mountOf(exporter, agentMount?.name ?? '');
    expect(exporterMount?.readOnly).toBe(true);
    // agent.json's default telemetry.file is relative: telemetry.jsonl in the working directory.
    expect(arg(exporter, '--file')).toBe(`${exporterMount?.mountPath}/telemetry.jsonl`);
  });

  it("probes the agent's /health on the agent's port, and serves where Prometheus scrapes", () => {
    expect(arg(exporter, '--health-url')).toBe(`http://127.0.0.1:${env('PORT')}/health`);
    const port = arg(exporter, '--port');
    expect(String(portNamed(exporter, 'metrics'))).toBe(port);
    expect(pod?.metadata?.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': port,
    });
    expect(arg(exporter, '--host')).toBe('0.0.0.0');
    expect(exporter.livenessProbe?.httpGet).toMatchObject({ path: '/health', port: 'metrics' });
  });

  it('passes only flags the exporter knows', () => {
    const known = createCli({ env: {}, stdout: () => {}, stderr: () => {} }).options.map(
      (option) => option.long,
    );
    const flags = (exporter.args ?? []).filter((value) => value.startsWith('--'));
    expect(flags.length).toBeGreaterThan(3);
    expect(flags.filter((flag) => !known.includes(flag))).toEqual([]);
    expect(exporter.command?.at(-1)).toBe('/opt/event-kit/apps/exporter/dist/main.js');
  });
});

describe('Service, PodDisruptionBudget and PodMonitor select the Deployment', () => {
  const labels = pod?.metadata?.labels ?? {};
  const matches = (selector: Record<string, string> | undefined) =>
    Object.keys(selector ?? {}).length > 0 &&
    Object.entries(selector ?? {}).every(([key, value]) => labels[key] === value);

  it('selects the pods by their labels', () => {
    expect(matches(deployment.spec?.selector.matchLabels)).toBe(true);
    expect(matches(find<IService>('Service').spec?.selector)).toBe(true);
    expect(
      matches(find<IPodDisruptionBudget>('PodDisruptionBudget').spec?.selector?.matchLabels),
    ).toBe(true);
    expect(matches(find<IPodMonitor>('PodMonitor').spec.selector.matchLabels)).toBe(true);
  });

  it('routes the Service to the agent port, and scrapes the exporter port as job event-agent', () => {
    expect(find<IService>('Service').spec?.ports?.[0]?.targetPort).toBe('http');
    const monitor = find<IPodMonitor>('PodMonitor').spec;
    expect(monitor.podMetricsEndpoints?.[0]?.port).toBe('metrics');
    // The alert rules select job="event-agent": the PodMonitor takes the job from this label.
    expect(labels[monitor.jobLabel ?? '']).toBe('event-agent');
  });

  it('lets a drain evict at most one pod while the rollout never goes below the replicas', () => {
    expect(find<IPodDisruptionBudget>('PodDisruptionBudget').spec?.maxUnavailable).toBe(1);
    expect(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable).toBe(0);
    expect(deployment.spec?.replicas ?? 0).toBeGreaterThan(1);
  });
});
