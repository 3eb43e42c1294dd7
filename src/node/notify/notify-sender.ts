// Sends a NotifyMessage: webhooks with Node's fetch (a timeout, no redirects), email with nodemailer
// over SMTP. Secrets come from the environment when sent and are never part of an error: a webhook
// is named by its host, an SMTP server by host and port.
import nodemailer from 'nodemailer';
import type { NotifyChannel, SecretText } from '../../core/notify/notify-config';
import { emailOf, webhookBody } from '../../core/notify/notify-formats';
import type { NotifyMessage } from '../../core/notify/notify-message';
import type { NotifySender } from '../../core/notify/notifier';

const TIMEOUT_MS = 10_000;

export class NetworkNotifySender implements NotifySender {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  async send(channel: NotifyChannel, message: NotifyMessage): Promise<void> {
    const t = channel.target;
    if (t.kind === 'webhook') return this.post(this.secret(t.url), webhookBody(t.format, message));
    const { subject, text } = emailOf(message);
    const url = new URL(t.smtp.url);
    const pass = this.env[t.smtp.passwordEnv];
    const user = t.smtp.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
    const transport = nodemailer.createTransport({
      host: url.hostname,
      port: url.port ? Number(url.port) : url.protocol === 'smtps:' ? 465 : 587,
      secure: url.protocol === 'smtps:',
      ...(user ? { auth: { user, pass: pass ?? '' } } : {}),
      connectionTimeout: TIMEOUT_MS, greetingTimeout: TIMEOUT_MS, socketTimeout: TIMEOUT_MS,
    });
    try {
      await transport.sendMail({ from: t.from, to: t.to, subject, text });
    } catch (err) {
      throw new Error(`SMTP ${url.hostname}:${url.port || (url.protocol === 'smtps:' ? 465 : 587)}: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      transport.close();
    }
  }

  private secret(s: SecretText): string {
    if ('text' in s) return s.text;
    const v = this.env[s.env];
    if (!v) throw new Error(`the environment variable ${s.env} (the webhook's URL) is not set`);
    return v;
  }

  private async post(url: string, body: unknown): Promise<void> {
    let host = 'the webhook';
    try {
      host = new URL(url).host;
    } catch {
      throw new Error('the webhook URL is not a URL');
    }
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : err instanceof Error ? err.message : String(err);
      throw new Error(`cannot post to ${host}: ${cause.replace(url, host)}`);
    }
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok) throw new Error(`${host} answered ${res.status} ${res.statusText}`);
  }
}
