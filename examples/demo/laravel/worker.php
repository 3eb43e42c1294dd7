<?php
// A real Illuminate queue worker on "demo-reports" (like `php artisan queue:work redis`).
// SIGTERM: finish the current job, then exit 0.
require __DIR__ . '/bootstrap.php';

use Illuminate\Contracts\Debug\ExceptionHandler;
use Illuminate\Contracts\Events\Dispatcher;
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

$worker = new Worker($capsule->getQueueManager(), new NullDispatcher(), new StderrHandler(), function () { return false; });
fwrite(STDOUT, getenv('CHAPERONE_WORKER_ID') . ': ready (pid ' . getmypid() . ")\n");
$worker->daemon('default', 'demo-reports', new WorkerOptions('default', 0, 256, 60, 1, 1));
