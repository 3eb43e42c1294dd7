// Bundles: the extension host entry, the CLI and the spawner (a tiny separate process that does
// every fork/exec, so the host's event loop never pays for spawn()), and the dashboard's browser app
// with its stylesheet into dist/webview/ (the only folder the panel may load from).
import * as esbuild from 'esbuild';

const watch = process.argv.includes('--watch');
// mainFields: jsonc-parser's UMD build uses dynamic requires esbuild cannot follow; its ESM build bundles cleanly.
const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', mainFields: ['module', 'main'] };
const builds = [
  { ...common, entryPoints: ['src/host/extension.ts'], outfile: 'dist/extension.js', format: 'cjs', external: ['vscode'] },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  { ...common, entryPoints: ['src/node/spawner/spawner-main.ts'], outfile: 'dist/spawner.js', format: 'cjs' },
  // The reaper: started by the spawner, stops the workers if the spawner itself is killed.
  { ...common, entryPoints: ['src/node/spawner/reaper-main.ts'], outfile: 'dist/reaper.js', format: 'cjs' },
  { bundle: true, platform: 'browser', target: 'es2022', format: 'iife', minify: true, sourcemap: false, logLevel: 'warning', entryPoints: ['webview/main.ts'], outfile: 'dist/webview/main.js' },
  { bundle: true, logLevel: 'warning', entryPoints: ['webview/dashboard.css'], outfile: 'dist/webview/dashboard.css' },
];
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
