import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from './config-error.js';

/** The `signals/` folder shipped with the package (defaults and taxonomies as data). */
export const PACKAGE_SIGNALS_DIR = fileURLToPath(new URL('../../signals/', import.meta.url));

/** Reads and parses a YAML (or JSON) file; errors name the file. */
export function readYamlFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
  try {
    return parseYaml(text, { prettyErrors: true }) as unknown;
  } catch (error) {
    throw new ConfigError(`${path}: invalid YAML: ${(error as Error).message}`);
  }
}
