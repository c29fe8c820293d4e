import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SAMPLE_MANIFEST_PATH } from '@eventkit/core/manifest';
import { builtBin } from '../bins.js';
import {
  type Child,
  createProcessGroup,
  freePort,
  httpGet,
  stopChild,
  waitFor,
} from '../processes.js';

export interface AgentProcess {
  url: string;
  port: number;
  dir: string;
  token: string;
  telemetryFile: string;
  logFile: string;
  exportDir: string;
  child: Child;
  /** SIGTERM, wait for the exit code, remove the temp dir. */
  stop(): Promise<number | NodeJS.Signals>;
}

export interface StartAgentOptions {
  token?: string;
  env?: NodeJS.ProcessEnv;
  exportEnabled?: boolean;
}

/** The built agent on a free 127.0.0.1 port with its own temp telemetry, log, exports and profiles. */
export async function startAgent({
  token = 'e2e-token-7f3a9c',
  env = {},
  exportEnabled = true,
}: StartAgentOptions = {}): Promise<AgentProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'eventkit-e2e-agent-'));
  const telemetryFile = path.join(dir, 'telemetry.jsonl');
  const logFile = path.join(dir, 'agent.log');
  const exportDir = path.join(dir, 'exports');
  await mkdir(exportDir);
  const manifest = JSON.parse(await readFile(SAMPLE_MANIFEST_PATH, 'utf8'));
  manifest.telemetry = { enabled: true, file: telemetryFile, maxSizeBytes: 0 };
  manifest.features = {
    ...manifest.features,
    export: { enabled: exportEnabled, output_dir: exportDir },
  };
  const manifestPath = path.join(dir, 'agent.json');
  await writeFile(manifestPath, JSON.stringify(manifest));
  const port = await freePort();
  const group = createProcessGroup();
  const child = group.start({
    name: 'agent',
    command: process.execPath,
    args: [builtBin('@eventkit/agent-server'), '--port', String(port), '--manifest', manifestPath],
    env: {
      API_TOKEN: token,
      LOG_FILE: logFile,
      RATE_LIMIT_PER_MINUTE: '0',
      EVENTKIT_PROFILES: path.join(dir, 'profiles.json'),
      OTEL_TRACES_EXPORTER: 'none',
      ...env,
    },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      'agent listening',
      async () => ((await httpGet(`${url}/livez`)).status ? true : undefined),
      {
        child,
      },
    );
  } catch (error) {
    group.killAll();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port,
    dir,
    token,
    telemetryFile,
    logFile,
    exportDir,
    child,
    async stop() {
      const code = await stopChild(child, 'SIGTERM');
      group.killAll();
      await rm(dir, { recursive: true, force: true });
      return code;
    },
  };
}
