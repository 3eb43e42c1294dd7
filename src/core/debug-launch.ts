// "Debug a Worker of Pool…": one extra worker of a pool, started under a debugger the editor attaches
// to. The pool's own command is rewritten for its runtime, so nothing from outside decides what runs:
// Node gets --inspect (or NODE_OPTIONS), Python runs under debugpy, PHP with Xdebug told to call the
// editor, Ruby with the debug gem opened in the process (RUBYOPT=-rdebug/open_nonstop: any Ruby
// program, sidekiq or bundle exec included, no wrapper). The port is the host's choice (a free one on 127.0.0.1).

export type DebugRuntime = 'node' | 'python' | 'php' | 'ruby';

export interface DebugLaunch {
  runtime: DebugRuntime;
  argv: string[];
  env: Record<string, string>;
  port: number;
}

const base = (p: string): string => p.split(/[\\/]/).pop() ?? p;

/** The runtime a command runs in, from its program (and the program's first argument for wrappers). */
export function runtimeOf(command: readonly string[]): DebugRuntime | undefined {
  const prog = base(command[0] ?? '').replace(/\.exe$/i, '');
  if (/^(node|nodejs|npm|npx|yarn|pnpm|tsx|ts-node)$/.test(prog)) return 'node';
  if (/^(python[0-9.]*|celery|rq|huey|dramatiq)$/.test(prog)) return 'python';
  if (/^php[0-9.]*$/.test(prog)) return 'php';
  if (/^(ruby|bundle|sidekiq|rake|rails)$/.test(prog)) return 'ruby';
  return undefined;
}

/** `env`: the pool's env, whose RUBYOPT the Ruby launch keeps. */
export function debugLaunch(command: readonly string[], runtime: DebugRuntime, port: number, python = 'python3', env: Readonly<Record<string, string>> = {}): DebugLaunch {
  const [prog, ...rest] = command;
  const at = `127.0.0.1:${port}`;
  switch (runtime) {
    case 'node':
      // node itself: the flag on its command line; a wrapper (npm, npx...): NODE_OPTIONS, which the node it starts reads.
      return /^(node|nodejs)$/.test(base(prog).replace(/\.exe$/i, ''))
        ? { runtime, port, argv: [prog, `--inspect=${at}`, ...rest], env: {} }
        : { runtime, port, argv: [...command], env: { NODE_OPTIONS: `--inspect=${at}` } };
    case 'python': {
      const p = base(prog);
      // A console script (celery, rq) runs as its module under debugpy: python -m debugpy ... -m celery ...
      const target = /^python[0-9.]*$/.test(p) ? rest : ['-m', p, ...rest];
      return { runtime, port, argv: [/^python[0-9.]*$/.test(p) ? prog : python, '-m', 'debugpy', '--listen', at, ...target], env: {} };
    }
    case 'php':
      // Xdebug calls the editor, which listens on the port (the PHP Debug extension).
      return { runtime, port, argv: [...command], env: { XDEBUG_MODE: 'debug', XDEBUG_SESSION: 'chaperone', XDEBUG_CONFIG: `client_host=127.0.0.1 client_port=${port} start_with_request=yes` } };
    case 'ruby':
      // The debug gem's own way to open a running program to the editor, over TCP (DAP), without stopping it at the start.
      return { runtime, port, argv: [...command], env: { RUBYOPT: `-rdebug/open_nonstop${env.RUBYOPT ? ` ${env.RUBYOPT}` : ''}`, RUBY_DEBUG_HOST: '127.0.0.1', RUBY_DEBUG_PORT: String(port) } };
  }
}

/** What must be there for each runtime, as the message names it when it is not. */
export const DEBUG_NEEDS: Record<DebugRuntime, { tool: string; extension: { id: string; name: string } }> = {
  node: { tool: 'node (its --inspect is built in)', extension: { id: 'ms-vscode.js-debug', name: 'JavaScript Debugger (built into VS Code)' } },
  python: { tool: 'debugpy for the worker\'s Python (apt install python3-debugpy, or pip install debugpy)', extension: { id: 'ms-python.debugpy', name: 'Python Debugger (ms-python.debugpy)' } },
  php: { tool: 'Xdebug 3 for the worker\'s PHP (apt install php-xdebug)', extension: { id: 'xdebug.php-debug', name: 'PHP Debug (xdebug.php-debug)' } },
  ruby: { tool: 'the debug gem for the worker\'s Ruby (it comes with Ruby 3.1; else gem install debug, or gem "debug" in the Gemfile)', extension: { id: 'KoichiSasada.vscode-rdbg', name: 'VSCode rdbg Ruby Debugger (KoichiSasada.vscode-rdbg)' } },
};
