#!/bin/sh
# The executable @vscode/test-electron is pointed at (vscodeExecutablePath): runs the compiled shim.
exec node "$(dirname "$0")/../../out/test/vscode/code-shim.js" "$@"
