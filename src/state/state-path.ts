import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';

/** Names the state file when none is configured; wins over the default location. */
export const STATE_PATH_ENV = 'AGENT_TRIAGE_STATE_PATH';

/**
 * The state file when none is configured: `$AGENT_TRIAGE_STATE_PATH`, else
 * `otel-agent-triage/<name>.json` in the user's state folder
 * (`$XDG_STATE_HOME`, else `~/.local/state`). Never the working directory, so a
 * project checkout is not written into. The in-process name is derived from
 * the working directory (`process-<folder>-<hash>`), so two apps started in two
 * folders keep separate files, and the `report`/`fixed` CLI run in the app's
 * folder finds its file; the gateway's from its listen address.
 */
export function defaultStatePath(name: StateFileName = processStateName(), env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[STATE_PATH_ENV]?.trim();
  if (fromEnv) return resolve(fromEnv);
  const base = env['XDG_STATE_HOME']?.trim() || join(homedir(), '.local', 'state');
  return join(base, 'otel-agent-triage', `${name}.json`);
}

/** A file name without a folder, from `processStateName` or `gatewayStateName`. */
export type StateFileName = string & { readonly __stateFileName: unique symbol };

export function processStateName(cwd: string = process.cwd()): StateFileName {
  const hash = createHash('sha256').update(cwd).digest('hex').slice(0, 10);
  return `process-${safe(basename(cwd)) || 'root'}-${hash}` as StateFileName;
}

export function gatewayStateName(listen: string): StateFileName {
  return `gateway-${safe(listen)}` as StateFileName;
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
}
