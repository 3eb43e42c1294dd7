// Reads chaperone.json from disk (async) and hands the text to the pure parser.
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError } from '../core/config/located-error';
import { parseConfigText } from '../core/config/parse-config';
import type { ChaperoneConfig } from '../core/config/types';

export async function loadConfig(file: string): Promise<ChaperoneConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String((err as Error).message);
    throw new ConfigError([{ file: abs, path: [], message: `cannot read the config: ${why}`, range: { offset: 0, length: 0, line: 1, column: 1 } }]);
  }
  return parseConfigText(text, abs).config;
}
