<?php
// Pushes "DemoReport" jobs onto demo-reports the way Laravel does, in waves, until SIGTERM.
require __DIR__ . '/bootstrap.php';

pcntl_async_signals(true);
$running = true;
pcntl_signal(SIGTERM, function () use (&$running) { $running = false; });
pcntl_signal(SIGINT, function () use (&$running) { $running = false; });
$q = $capsule->getQueueManager()->connection('default');
for ($t = 0, $n = 0; $running; $t++) {
    $wave = $t % 30 < 8 ? 12 : 1;
    for ($i = 0; $i < $wave; $i++) {
        $q->push('DemoReport@handle', ['n' => ++$n, 'tenant' => 'acme-' . ($n % 3)], 'demo-reports');
    }
    sleep(1);
}
