<?php
// Runs a real Illuminate queue worker (Worker::daemon, as `php artisan queue:work redis --queue=Q`)
// from Debian's components: SIGTERM finishes the current job, then exits 0. Shared by the demo's
// worker and the Laravel adapter's conformance tests.

use Illuminate\Contracts\Cache\Repository as Cache;
use Illuminate\Contracts\Debug\ExceptionHandler;
use Illuminate\Contracts\Events\Dispatcher;
use Illuminate\Queue\Capsule\Manager as QueueCapsule;
use Illuminate\Queue\Worker;
use Illuminate\Queue\WorkerOptions;

// Debian ships no illuminate/events: the worker only needs a dispatcher that drops events.
class NullDispatcher implements Dispatcher
{
    public function listen($events, $listener = null) {}
    public function hasListeners($eventName) { return false; }
    public function subscribe($subscriber) {}
    public function until($event, $payload = []) { return null; }
    public function dispatch($event, $payload = [], $halt = false) { return null; }
    public function push($event, $payload = []) {}
    public function flush($event) {}
    public function forget($event) {}
    public function forgetPushed() {}
}

class StderrHandler implements ExceptionHandler
{
    public function report(Throwable $e) { fwrite(STDERR, get_class($e) . ': ' . $e->getMessage() . "\n"); }
    public function shouldReport(Throwable $e) { return true; }
    public function render($request, Throwable $e) { return null; }
    public function renderForConsole($output, Throwable $e) {}
}

/**
 * With a cache, the worker honours queue:restart (exits after its current job once the flag changes).
 * $events hears the worker's events (JobProcessing, JobProcessed, JobFailed); it is also the container's
 * dispatcher, which a failing job resolves to announce JobFailed.
 */
function run_queue_worker(QueueCapsule $capsule, string $queue, ?Cache $cache = null, ?Dispatcher $events = null): void
{
    $events = $events ?? new NullDispatcher();
    Illuminate\Container\Container::getInstance()->instance(Dispatcher::class, $events);
    $worker = new Worker($capsule->getQueueManager(), $events, new StderrHandler(), function () { return false; });
    if ($cache !== null) {
        $worker->setCache($cache);
    }
    fwrite(STDOUT, (getenv('CHAPERONE_WORKER_ID') ?: 'worker') . ': ready (pid ' . getmypid() . ")\n");
    // name, backoff, memory (MB), timeout (s), sleep (s), maxTries
    $worker->daemon('default', $queue, new WorkerOptions('default', 0, 256, 60, 1, 1));
}
