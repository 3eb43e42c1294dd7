// The registration list: one command per file, all listed here.
import type { CliCommand } from './cli-types';
import { cancelCommand } from './commands/cancel';
import { checkCommand } from './commands/check';
import { cleanCommand } from './commands/clean';
import { drainCommand } from './commands/drain';
import { jobCommand } from './commands/job';
import { jobsCommand } from './commands/jobs';
import { failuresCommand } from './commands/failures';
import { replayCommand } from './commands/replay';
import { deleteCommand } from './commands/delete';
import { workersCommand } from './commands/workers';
import { killCommand } from './commands/kill';
import { logsCommand } from './commands/logs';
import { markFailedCommand } from './commands/mark-failed';
import { notifyCommand } from './commands/notify';
import { markCommand } from './commands/mark';
import { serviceCommand } from './commands/service';
import { initCommand } from './commands/init';
import { pauseCommand } from './commands/pause';
import { promoteCommand } from './commands/promote';
import { purgeCommand } from './commands/purge';
import { queuesCommand } from './commands/queues';
import { restartCommand } from './commands/restart';
import { restartWorkersCommand } from './commands/restart-workers';
import { resumeCommand } from './commands/resume';
import { retryCommand } from './commands/retry';
import { scaleCommand } from './commands/scale';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { stopCommand } from './commands/stop';
import { superviseCommand } from './commands/supervise';
import { suspendCommand, unsuspendCommand } from './commands/suspend';
import { trendsCommand } from './commands/trends';
import { workerCommand } from './commands/worker';

export const COMMANDS: readonly CliCommand[] = [
  superviseCommand, statusCommand, drainCommand, restartCommand, scaleCommand, startCommand, stopCommand, logsCommand,
  queuesCommand, jobsCommand, jobCommand, failuresCommand, deleteCommand, replayCommand, workersCommand, cancelCommand, retryCommand, promoteCommand, pauseCommand, resumeCommand, restartWorkersCommand, markFailedCommand, cleanCommand,
  purgeCommand, killCommand, workerCommand, suspendCommand, unsuspendCommand,
  trendsCommand, checkCommand, notifyCommand, markCommand, serviceCommand, initCommand,
];
