// The FileExists port (core/source-paths.ts) on this machine's file system: a regular file only.
import { stat } from 'node:fs/promises';
import type { FileExists } from '../core/source-paths';

export const fileExists: FileExists = async (absolutePath) => {
  try {
    return (await stat(absolutePath)).isFile();
  } catch {
    return false;
  }
};
