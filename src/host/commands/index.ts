// Every command, registered in one place. Each runs inside one wrapper: a failure is shown as its
// message (never a stack; the stack goes to the log), and the return value is kept for tests.
import * as vscode from 'vscode';
import { UserFacingError } from '../trust';
import type { CommandContext, HostCommand } from './command';
import { cancelJob } from './cancel-job';
import { checkThresholds } from './check-thresholds';
import { connectProfile } from './connect-profile';
import { createConfig } from './create-config';
import { drainPool } from './drain-pool';
import { clearJobFilter, filterJobs } from './filter-jobs';
import { findJob } from './find-job';
import { promoteJob } from './promote-job';
import { retryFailureGroup, showFailureGroup } from './failure-group';
import { deleteFailedJob } from './delete-failed-job';
import { replayJob } from './replay-job';
import { quietSystemWorker, stopSystemWorker } from './system-worker';
import { cleanQueue, killJob, markJobFailed, purgeQueue, restartSystemWorkers, showTrends, suspendSystem, unsuspendSystem } from './queue-admin';
import { loadMoreJobs } from './load-more-jobs';
import { openConfig } from './open-config';
import { openDashboard } from './open-dashboard';
import { openJob, refreshJob } from './open-job';
import { pauseQueue } from './pause-queue';
import { refresh } from './refresh';
import { addMark } from './add-mark';
import { debugWorker } from './debug-worker';
import { reload } from './reload';
import { restartPool } from './restart-pool';
import { resumeQueue } from './resume-queue';
import { retryFailed } from './retry-failed';
import { scalePool } from './scale-pool';
import { setPassword } from './set-password';
import { showLogs } from './show-logs';
import { showOutput } from './show-output';
import { startPool } from './start-pool';
import { stopPool } from './stop-pool';

export const COMMANDS: readonly HostCommand[] = [
  startPool, stopPool, drainPool, restartPool, scalePool, cancelJob, retryFailed, pauseQueue, resumeQueue,
  showLogs, openDashboard, openConfig, connectProfile, setPassword, checkThresholds, createConfig, reload, refresh, loadMoreJobs, showOutput, openJob, refreshJob,
  findJob, filterJobs, clearJobFilter, promoteJob, deleteFailedJob, quietSystemWorker, stopSystemWorker,
  purgeQueue, cleanQueue, killJob, markJobFailed, restartSystemWorkers, suspendSystem, unsuspendSystem, showTrends,
  showFailureGroup, retryFailureGroup, replayJob, addMark, debugWorker,
];

/** The last failure shown (tests read it: the user saw this message); one per composition root. */
export interface ShownError {
  message: string | undefined;
}

export function registerCommands(ctx: CommandContext, lastError: ShownError): vscode.Disposable[] {
  return COMMANDS.map((c) =>
    vscode.commands.registerCommand(c.id, async (...args: unknown[]) => {
      try {
        return await c.run(ctx, ...args);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        lastError.message = message;
        // A message meant for the user is enough; anything else is a bug, whose stack goes to the log.
        if (err instanceof Error && err.stack && !(err instanceof UserFacingError)) ctx.channel.error(`${c.id}: ${err.stack}`);
        void vscode.window.showErrorMessage(`Chaperone: ${message}`, 'Show Log').then((a) => a && ctx.channel.show());
        return undefined;
      }
    }),
  );
}
