// Checks the shape of a JSONC text before anything recursive touches it: nesting deeper than any
// chaperone.json needs is refused at its place (a 3000-level file would overflow the stack of a
// recursive parser), and a key written twice in one object is an error that names both places
// (JSON would silently keep the last). One iterative pass over jsonc-parser's scanner.
import { createScanner, SyntaxKind } from 'jsonc-parser';
import type { ConfigProblem } from './located-error';
import type { SourceRange } from './source-range';

export const MAX_DEPTH = 64;

type Path = (string | number)[];
interface Frame {
  kind: 'object' | 'array';
  path: Path;
  keys: Map<string, number>;
  expectKey: boolean;
  lastKey: string | undefined;
  index: number;
}

export function structureProblems(text: string, file: string, range: (offset: number, length: number) => SourceRange): { problems: ConfigProblem[]; tooDeep: boolean } {
  const scanner = createScanner(text, true);
  const stack: Frame[] = [];
  const problems: ConfigProblem[] = [];
  const childPath = (): Path => {
    const top = stack.at(-1);
    if (!top) return [];
    return top.kind === 'object' ? [...top.path, top.lastKey ?? ''] : [...top.path, top.index];
  };
  for (let t = scanner.scan(); t !== SyntaxKind.EOF; t = scanner.scan()) {
    const top = stack.at(-1);
    switch (t) {
      case SyntaxKind.OpenBraceToken:
      case SyntaxKind.OpenBracketToken: {
        if (stack.length >= MAX_DEPTH) {
          const at = scanner.getTokenOffset();
          problems.push({ file, path: childPath().slice(0, 8), message: `nested deeper than ${MAX_DEPTH} levels: chaperone.json never needs this much`, range: range(at, 1) });
          return { problems, tooDeep: true };
        }
        const kind = t === SyntaxKind.OpenBraceToken ? 'object' : 'array';
        stack.push({ kind, path: childPath(), keys: new Map(), expectKey: kind === 'object', lastKey: undefined, index: 0 });
        break;
      }
      case SyntaxKind.CloseBraceToken:
      case SyntaxKind.CloseBracketToken:
        stack.pop();
        break;
      case SyntaxKind.CommaToken:
        if (top?.kind === 'object') top.expectKey = true;
        else if (top) top.index++;
        break;
      case SyntaxKind.StringLiteral:
        if (top?.kind === 'object' && top.expectKey) {
          const key = scanner.getTokenValue();
          const at = scanner.getTokenOffset();
          const first = top.keys.get(key);
          if (first !== undefined) {
            const f = range(first, 0);
            problems.push({ file, path: [...top.path, key], message: `duplicate key "${key}": also at line ${f.line}, column ${f.column}; JSON would keep only this one`, range: range(at, scanner.getTokenLength()) });
          } else {
            top.keys.set(key, at);
          }
          top.lastKey = key;
          top.expectKey = false;
        }
        break;
      default:
        break;
    }
  }
  return { problems, tooDeep: false };
}
