// A systemd unit for `chaperone supervise`: what supervisord's or PM2's startup would give, with what
// systemd does better. KillMode=control-group: whatever is left in the unit's cgroup when the
// supervisor has drained (a worker's own children included) is stopped too, so a restart never finds
// an orphan. Secrets come from an EnvironmentFile, never from the unit (which is world-readable).

export interface ServiceUnitInput {
  name: string;
  user: boolean;
  /** Absolute paths. */
  node: string;
  cli: string;
  config: string;
  workingDirectory: string;
  environmentFile: string;
  /** The longest stop timeout of the config's pools (ms): systemd waits that long plus a margin. */
  stopTimeoutMs: number;
  /** The account a system unit runs as (absent: root, as systemd's default). */
  runAs?: string;
  extraArgs: string[];
}

/** systemd's quoting for ExecStart: each argument in double quotes, with \, " and % escaped. */
export function quoteExecArg(a: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) && !a.includes('%')) return a;
  return `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** A path setting: taken as it is but for specifiers (%), which are doubled. */
const pathValue = (p: string): string => p.replace(/%/g, '%%');

export function renderServiceUnit(u: ServiceUnitInput): string {
  const exec = [u.node, u.cli, 'supervise', '--config', u.config, ...u.extraArgs].map(quoteExecArg).join(' ');
  const stopSec = Math.ceil(u.stopTimeoutMs / 1000) + 15;
  const lines = [
    '# Written by `chaperone service install`. Secrets go in the EnvironmentFile, never here.',
    '[Unit]',
    `Description=Chaperone: queue workers of ${u.config}`,
    'After=network-online.target redis-server.service',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    ...(u.runAs && !u.user ? [`User=${u.runAs}`] : []),
    `WorkingDirectory=${pathValue(u.workingDirectory)}`,
    `EnvironmentFile=-${pathValue(u.environmentFile)}`,
    `ExecStart=${exec}`,
    // The supervisor drains every pool on SIGTERM (each worker with its own stop signal and timeout).
    'KillMode=control-group',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopSec}`,
    'Restart=on-failure',
    'RestartSec=5',
    'NoNewPrivileges=true',
    'SyslogIdentifier=chaperone',
    '',
    '[Install]',
    `WantedBy=${u.user ? 'default.target' : 'multi-user.target'}`,
    '',
  ];
  return lines.join('\n');
}

/** A unit name systemd accepts, from a folder name: "chaperone-my-app". */
export function unitNameFor(folder: string): string {
  const base = folder.toLowerCase().replace(/[^a-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'app';
  return `chaperone-${base}`.slice(0, 200);
}

/** The EnvironmentFile's first content: the names of the variables this config reads, no values. */
export function renderEnvironmentFile(unit: string, names: readonly { name: string; why: string }[]): string {
  return [
    `# Environment of ${unit} (systemd EnvironmentFile). Keep this file 0600: it holds secrets.`,
    '# Uncomment and fill in what this configuration needs:',
    ...names.map((n) => `# ${n.name}=    (${n.why})`),
    '',
  ].join('\n');
}
