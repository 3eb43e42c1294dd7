// Deploy markers ("deploy 1.4.2"): a moment in the history that every chart draws as a line.

export interface Mark {
  at: number;
  text: string;
  actor: string;
}

export const MARK_TEXT_MAX = 200;

/** The text as stored, or why it cannot be: one line, 1 to 200 characters. */
export function checkMarkText(raw: string): { text: string } | { error: string } {
  const text = raw.trim();
  if (!text) return { error: 'a mark needs a text, e.g. "deploy 1.4.2"' };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(text)) return { error: 'a mark is one line of text (no control characters)' };
  if (text.length > MARK_TEXT_MAX) return { error: `a mark is at most ${MARK_TEXT_MAX} characters (this one has ${text.length})` };
  return { text };
}
