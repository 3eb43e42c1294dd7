<?php
// Laravel's queue (Debian's php-illuminate-queue + php-illuminate-redis, Illuminate 8.x) without a
// full Laravel app: the demo's worker and producer share this. Redis from CHAPERONE_REDIS_URL.
require_once 'Illuminate/Queue/autoload.php';
require_once 'Illuminate/Redis/autoload.php';

use Illuminate\Container\Container;
use Illuminate\Queue\Capsule\Manager as QueueCapsule;
use Illuminate\Redis\RedisManager;

$url = parse_url(getenv('CHAPERONE_REDIS_URL') ?: 'redis://127.0.0.1:6379');
$container = new Container();
Container::setInstance($container);
$container->instance('redis', new RedisManager($container, 'phpredis', [
    'default' => ['host' => $url['host'] ?? '127.0.0.1', 'port' => $url['port'] ?? 6379, 'database' => (int) ltrim($url['path'] ?? '/0', '/')],
    'options' => ['prefix' => 'laravel_database_'],
]));
$capsule = new QueueCapsule($container);
$capsule->addConnection(['driver' => 'redis', 'connection' => 'default', 'queue' => 'default', 'retry_after' => 90, 'block_for' => null]);
$capsule->setAsGlobal();

// The redis cache store (when php-illuminate-cache is installed), so that `chaperone restart-workers
// laravel` (queue:restart) reaches the demo's workers: keys "laravel_database_laravel_cache_:<key>" in db 1.
$cache = null;
if (stream_resolve_include_path('Illuminate/Cache/autoload.php')) {
    require_once 'Illuminate/Cache/autoload.php';
    $manager = new RedisManager($container, 'phpredis', [
        'cache' => ['host' => $url['host'] ?? '127.0.0.1', 'port' => $url['port'] ?? 6379, 'database' => 1],
        'options' => ['prefix' => 'laravel_database_'],
    ]);
    $cache = new Illuminate\Cache\Repository(new Illuminate\Cache\RedisStore($manager, 'laravel_cache_', 'cache'));
}

/** The demo job ("DemoReport@handle"): builds a "report" for 200-600 ms. */
class DemoReport
{
    public function handle($job, $data)
    {
        usleep(random_int(200, 600) * 1000);
        fwrite(STDOUT, getenv('CHAPERONE_WORKER_ID') . ": report {$data['n']} for tenant {$data['tenant']} done\n");
        $job->delete();
    }
}
