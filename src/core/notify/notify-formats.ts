// A NotifyMessage as each receiver wants it: a generic JSON document, a Slack incoming-webhook
// message (mrkdwn blocks), a Microsoft Teams workflow webhook message (an Adaptive Card), an email.
import type { NotifyFormat } from './notify-config';
import { lineOf, summaryOf, type NotifyMessage } from './notify-message';

export function webhookBody(format: NotifyFormat, m: NotifyMessage): unknown {
  switch (format) {
    case 'json': return jsonBody(m);
    case 'slack': return slackBody(m);
    case 'teams': return teamsBody(m);
  }
}

function jsonBody(m: NotifyMessage): unknown {
  const row = (opened: boolean) => (c: NotifyMessage['opened'][number]) => ({ ...c, state: opened ? 'open' : 'closed', since: new Date(c.since).toISOString() });
  return {
    source: 'chaperone', origin: m.origin, at: new Date(m.at).toISOString(), summary: summaryOf(m),
    opened: m.opened.map(row(true)), closed: m.closed.map(row(false)), stillOpen: m.stillOpen, heldBack: m.heldBack,
  };
}

function lines(m: NotifyMessage): string[] {
  const out = [...m.opened.map((c) => lineOf(c, true)), ...m.closed.map((c) => lineOf(c, false))];
  if (m.heldBack) out.push(`(${m.heldBack} message(s) held back by the rate limit: this one sums them up)`);
  out.push(`${m.stillOpen} other finding(s) still open · ${m.origin}`);
  return out;
}

/** Slack escapes: &, < and > only (https://api.slack.com/reference/surfaces/formatting#escaping). */
const slackEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function slackBody(m: NotifyMessage): unknown {
  const ls = lines(m);
  return {
    text: `Chaperone: ${slackEscape(summaryOf(m))}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: `Chaperone: ${m.opened.length} opened, ${m.closed.length} cleared`.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: ls.slice(0, -1).map((l) => `• ${slackEscape(l)}`).join('\n').slice(0, 3000) || '—' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: slackEscape(ls.at(-1) ?? '') }] },
    ],
  };
}

function teamsBody(m: NotifyMessage): unknown {
  const ls = lines(m);
  return {
    type: 'message',
    attachments: [{
      contentType: 'application/vnd.microsoft.card.adaptive',
      contentUrl: null,
      content: {
        $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
        type: 'AdaptiveCard',
        version: '1.4',
        body: [
          { type: 'TextBlock', size: 'Medium', weight: 'Bolder', text: `Chaperone: ${summaryOf(m)}`, wrap: true },
          ...ls.slice(0, -1).map((l) => ({ type: 'TextBlock', text: l, wrap: true, color: l.startsWith('CRITICAL') ? 'Attention' : l.startsWith('WARNING') ? 'Warning' : 'Good' })),
          { type: 'TextBlock', text: ls.at(-1) ?? '', isSubtle: true, size: 'Small', wrap: true },
        ],
      },
    }],
  };
}

export function emailOf(m: NotifyMessage): { subject: string; text: string } {
  return { subject: `[Chaperone] ${summaryOf(m)}`.slice(0, 200), text: `${lines(m).join('\n')}\n\nAt ${new Date(m.at).toISOString()}.\n` };
}
