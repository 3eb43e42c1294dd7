<?php
// A real Illuminate queue worker on "demo-reports" (like `php artisan queue:work redis`).
require __DIR__ . '/bootstrap.php';
require __DIR__ . '/worker-support.php';

run_queue_worker($capsule, 'demo-reports', $cache);
