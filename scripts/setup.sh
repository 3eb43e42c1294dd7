#!/usr/bin/env bash
# Installs what the tests need on a fresh machine of this kind (Debian, as root), and nothing that is
# already there: redis-server and redis-cli, the real queue systems (Laravel's Illuminate queue,
# Sidekiq, RQ, Celery), and what the editor tests need (code-server's native build, ripgrep,
# chromium). .ci/run runs the README's test line, which starts with this script.
# --check: only say what is missing (exit 1 if anything is), install nothing.
set -euo pipefail
check=false
[ "${1:-}" = "--check" ] && check=true

apt_pkgs=()
command -v redis-server >/dev/null 2>&1 || apt_pkgs+=(redis-server)
# redis-cli joins the test Redis Cluster; openssl makes the TLS test's certificates.
command -v redis-cli >/dev/null 2>&1 || apt_pkgs+=(redis-tools)
command -v openssl >/dev/null 2>&1 || apt_pkgs+=(openssl)
# Real Laravel queue workers for the Laravel adapter's conformance tests (Illuminate 8.x, phpredis).
command -v php >/dev/null 2>&1 || apt_pkgs+=(php-cli)
[ -f /usr/share/php/Illuminate/Queue/Worker.php ] || apt_pkgs+=(php-illuminate-queue)
[ -f /usr/share/php/Illuminate/Redis/RedisManager.php ] || apt_pkgs+=(php-illuminate-redis)
[ -f /usr/share/php/Illuminate/Cache/RedisStore.php ] || apt_pkgs+=(php-illuminate-cache)
php -m 2>/dev/null | grep -x redis >/dev/null || apt_pkgs+=(php-redis)
# Real Sidekiq, RQ and Celery workers for their adapters' conformance tests (run with /usr/bin/python3).
command -v sidekiq >/dev/null 2>&1 || apt_pkgs+=(ruby-sidekiq)
ruby -e 'require "redis-namespace"' >/dev/null 2>&1 || apt_pkgs+=(ruby-redis-namespace)
/usr/bin/python3 -c 'import rq' >/dev/null 2>&1 || apt_pkgs+=(python3-rq)
/usr/bin/python3 -c 'import celery' >/dev/null 2>&1 || apt_pkgs+=(python3-celery)
/usr/bin/python3 -c 'import redis' >/dev/null 2>&1 || apt_pkgs+=(python3-redis)
# The editor tests: code-server (a real VS Code) builds native modules (kerberos needs libkrb5-dev;
# node-gyp needs a compiler), its ripgrep comes from Debian, and chromium drives the workbench.
dpkg -s libkrb5-dev >/dev/null 2>&1 || apt_pkgs+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || apt_pkgs+=(ripgrep)
command -v chromium >/dev/null 2>&1 || apt_pkgs+=(chromium)
for t in g++ make pkg-config python3; do command -v $t >/dev/null 2>&1 || { apt_pkgs+=(build-essential pkg-config python3); break; }; done
# The debug workers' tests: debugpy for Python, Xdebug for PHP (the Ruby debugger, the debug gem,
# comes with Ruby 3.1).
/usr/bin/python3 -c 'import debugpy' >/dev/null 2>&1 || apt_pkgs+=(python3-debugpy)
php -m 2>/dev/null | grep -x 'xdebug' >/dev/null || apt_pkgs+=(php-xdebug)

# Xdebug loaded but off, as its docs advise where nothing is being debugged: every other PHP run
# stays as fast as without it, and a debug worker turns it on for itself alone (XDEBUG_MODE=debug).
xdebug_off() {
  $check && return 0
  for ini in /etc/php/*/mods-available/xdebug.ini; do
    [ -f "$ini" ] && ! grep -q '^xdebug.mode' "$ini" && echo 'xdebug.mode=off' >> "$ini"
  done
  return 0
}

if [ ${#apt_pkgs[@]} -eq 0 ]; then
  [ "$(id -u)" -eq 0 ] && xdebug_off
  echo "setup: everything the tests need is installed"
  exit 0
fi
if $check || [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing Debian packages: ${apt_pkgs[*]}" >&2
  echo "setup: install them as root: apt-get update && apt-get install -y ${apt_pkgs[*]}" >&2
  exit 1
fi
echo "setup: apt-get install ${apt_pkgs[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${apt_pkgs[@]}"
xdebug_off
