// The registration list: one command per file, all listed here.
import type { CliCommand } from './cli-types';
import { drainCommand } from './commands/drain';
import { logsCommand } from './commands/logs';
import { restartCommand } from './commands/restart';
import { scaleCommand } from './commands/scale';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { stopCommand } from './commands/stop';
import { superviseCommand } from './commands/supervise';

export const COMMANDS: readonly CliCommand[] = [
  superviseCommand, statusCommand, drainCommand, restartCommand, scaleCommand, startCommand, stopCommand, logsCommand,
];
