// Laravel queues a job's command as PHP's serialize() output. This lays it out as text to read, one
// property per line, nested objects indented: it reads the format (lengths are UTF-8 bytes), it
// never runs or builds anything. Text it cannot read is returned as it is.

const MAX_DEPTH = 32;

class Reader {
  pos = 0;
  constructor(private readonly b: Buffer) {}

  expect(ch: string): void {
    if (this.b.toString('latin1', this.pos, this.pos + ch.length) !== ch) throw new Error(`expected "${ch}" at byte ${this.pos}`);
    this.pos += ch.length;
  }

  /** Up to (not including) `end`, which is consumed. */
  until(end: string): string {
    const i = this.b.indexOf(end, this.pos, 'latin1');
    if (i < 0) throw new Error(`no "${end}" after byte ${this.pos}`);
    const s = this.b.toString('utf8', this.pos, i);
    this.pos = i + end.length;
    return s;
  }

  int(end: string): number {
    const n = Number(this.until(end));
    if (!Number.isInteger(n) || n < 0 || n > this.b.length) throw new Error(`bad length before byte ${this.pos}`);
    return n;
  }

  /** A quoted string of `len` bytes. */
  quoted(len: number): string {
    this.expect('"');
    const s = this.raw(len);
    this.expect('"');
    return s;
  }

  /** `len` bytes as they are. */
  raw(len: number): string {
    const s = this.b.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  done(): boolean {
    return this.pos >= this.b.length;
  }

  peek(): string {
    return this.b.toString('latin1', this.pos, this.pos + 1);
  }
}

/** A property name as PHP stores it: "\0*\0x" is protected, "\0Class\0x" private. */
function propName(raw: string): string {
  const m = /^\0([^\0]+)\0(.*)$/.exec(raw);
  if (!m) return raw;
  return m[1] === '*' ? `${m[2]} (protected)` : `${m[2]} (private)`;
}

function value(r: Reader, indent: string, depth: number): string {
  if (depth > MAX_DEPTH) throw new Error('nested too deeply');
  const t = r.peek();
  r.pos++;
  switch (t) {
    case 'N':
      r.expect(';');
      return 'null';
    case 'b':
      r.expect(':');
      return r.until(';') === '1' ? 'true' : 'false';
    case 'i':
    case 'd':
      r.expect(':');
      return r.until(';');
    case 's': {
      r.expect(':');
      const s = r.quoted(r.int(':'));
      r.expect(';');
      return JSON.stringify(s);
    }
    case 'E': {
      r.expect(':');
      const s = r.quoted(r.int(':'));
      r.expect(';');
      return s.replace(':', '::');
    }
    case 'r':
    case 'R':
      r.expect(':');
      return `(reference #${r.until(';')})`;
    case 'a':
    case 'O': {
      r.expect(':');
      const cls = t === 'O' ? r.quoted(r.int(':')) : 'array';
      if (t === 'O') r.expect(':');
      const n = r.int(':');
      r.expect('{');
      const inner = `${indent}  `;
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const k = value(r, inner, depth + 1);
        const v = value(r, inner, depth + 1);
        const key = t === 'O' ? propName(JSON.parse(k) as string) : k;
        lines.push(`${inner}${key}: ${v}`);
      }
      r.expect('}');
      return n === 0 ? `${cls} {}` : `${cls} {\n${lines.join('\n')}\n${indent}}`;
    }
    case 'C': {
      r.expect(':');
      const cls = r.quoted(r.int(':'));
      r.expect(':');
      const len = r.int(':');
      r.expect('{');
      const data = r.raw(len);
      r.expect('}');
      return `${cls} (custom serialized) ${JSON.stringify(data)}`;
    }
    default:
      throw new Error(`unknown type "${t}" at byte ${r.pos - 1}`);
  }
}

export function phpSerializedText(serialized: string): string {
  try {
    const r = new Reader(Buffer.from(serialized, 'utf8'));
    const out = value(r, '', 0);
    return r.done() ? out : serialized;
  } catch {
    return serialized;
  }
}
