// The dashboard page: scripts and styles only from the build output, each with this load's nonce.
import { randomBytes } from 'node:crypto';
import type * as vscode from 'vscode';

export function nonce(): string {
  return randomBytes(18).toString('base64');
}

export function dashboardHtml(webview: vscode.Webview, root: vscode.Uri, joinPath: (base: vscode.Uri, ...p: string[]) => vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(joinPath(root, 'main.js'));
  const style = webview.asWebviewUri(joinPath(root, 'dashboard.css'));
  const csp = [
    "default-src 'none'",
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
    `style-src ${webview.cspSource} 'nonce-${n}'`,
    `script-src 'nonce-${n}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${n}">
<title>Chaperone Dashboard</title>
</head>
<body>
<header>
  <h1>Chaperone</h1>
  <vscode-badge id="health" variant="counter">…</vscode-badge>
  <span id="summary">waiting for the first figures…</span>
  <span class="spacer"></span>
  <vscode-single-select id="range" aria-label="Time range">
    <vscode-option value="15m" selected>Last 15 minutes</vscode-option>
    <vscode-option value="1h">Last hour</vscode-option>
    <vscode-option value="24h">Last 24 hours</vscode-option>
  </vscode-single-select>
  <vscode-button id="check" secondary>Check now</vscode-button>
</header>
<ul id="findings"></ul>
<main>
  <section><h2>Queue depth, trend and forecast</h2><div class="chart"><canvas id="chart-queues"></canvas></div></section>
  <section><h2>Wait: oldest pending job (s)</h2><div class="chart"><canvas id="chart-wait"></canvas></div></section>
  <section><h2>Throughput (finished / min)</h2><div class="chart"><canvas id="chart-throughput"></canvas></div></section>
  <section><h2>Worker CPU (%)</h2><div class="chart"><canvas id="chart-workerCpu"></canvas></div></section>
  <section><h2>Worker memory (MB)</h2><div class="chart"><canvas id="chart-workerMemory"></canvas></div></section>
  <section><h2>Host</h2><div class="chart"><canvas id="chart-host"></canvas></div></section>
</main>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
}
