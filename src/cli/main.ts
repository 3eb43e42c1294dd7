// `chaperone` entry point. Exit codes: 0 ok, 1 action failed, 2 bad usage or config.
import { COMMANDS } from './command-list';
import { ConfigError } from '../core/config/located-error';
import { ActionFailed, EXIT_FAILED, EXIT_USAGE, UsageError, type CliIo } from './cli-types';
import { VERSION } from '../engine';

const io: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
};

function help(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `chaperone ${VERSION} - supervise queue workers; see and steer every supervisor through Redis`,
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Redis: --redis URL, else CHAPERONE_REDIS_URL, else chaperone.json, else redis://127.0.0.1:6379.',
    'Password: CHAPERONE_REDIS_PASSWORD (and CHAPERONE_REDIS_USERNAME). Run `chaperone COMMAND --help` for usage.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return name ? 0 : EXIT_USAGE;
  }
  if (name === '--version') {
    io.out(VERSION);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`unknown command "${name}"\n\n${help()}`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}\n\n${cmd.summary}`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    // One gate: an invalid config is exit 2 from every command, however it was reached.
    if (err instanceof ConfigError) {
      io.err(`chaperone ${name}: invalid configuration:\n${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      io.err(`chaperone ${name}: ${err.message}`);
      return EXIT_USAGE;
    }
    if (err instanceof ActionFailed) {
      io.err(`chaperone ${name}: ${err.message}`);
      return EXIT_FAILED;
    }
    io.err(`chaperone ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILED;
  }
}

process.on('unhandledRejection', (err) => {
  io.err(`chaperone: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Client commands end here; `supervise` resolved after its shutdown. Nothing should keep us alive.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err: unknown) => {
    io.err(String(err));
    process.exit(EXIT_FAILED);
  },
);
