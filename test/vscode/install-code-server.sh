#!/usr/bin/env bash
# Installs what the in-editor tests need into .vscode-test/ (ignored), like @vscode/test-electron's
# download cache: code-server from npm (a real VS Code workbench with a Node extension host; this
# machine cannot download VS Code itself). Debian packages it builds with (libkrb5-dev, ripgrep,
# chromium) are installed by .ci/run. Reruns are a no-op once the marker exists.
set -euo pipefail
cd "$(dirname "$0")/../.."
CS_VERSION=${CS_VERSION:-4.100.3}      # the last code-server line whose engines accept Node 20
RG_PKG_VERSION=1.15.11 RG_TAG=v13.0.0-10 # the @vscode/ripgrep release code-server 4.100.3 bundles
ROOT=$PWD/.vscode-test
DEST=$ROOT/code-server-$CS_VERSION
[ -f "$DEST/.installed" ] && exit 0
rm -rf "$DEST" && mkdir -p "$DEST" "$ROOT/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION"
# @vscode/ripgrep's postinstall downloads rg from GitHub; seed its cache with Debian's rg instead.
tar czf "$ROOT/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION/ripgrep-$RG_TAG-x86_64-unknown-linux-musl.tar.gz" \
  -C "$(dirname "$(command -v rg)")" rg
echo '{"name":"code-server-host","private":true,"version":"0.0.0"}' > "$DEST/package.json"
nodedir=(); [ -f /usr/include/node/node.h ] && nodedir=(npm_config_nodedir=/usr)
echo "installing code-server@$CS_VERSION into $DEST (a few minutes on first run)"
# unsafe_perm: its postinstall refuses root otherwise; yes: node-pty's postinstall runs npx node-gyp.
( cd "$DEST" && env TMPDIR="$ROOT/tmp" npm_config_unsafe_perm=true npm_config_yes=true "${nodedir[@]}" \
    npm i "code-server@$CS_VERSION" --no-audit --no-fund --foreground-scripts > "$ROOT/install.log" 2>&1 ) \
  || { tail -40 "$ROOT/install.log"; exit 1; }
touch "$DEST/.installed"
echo "code-server installed"
