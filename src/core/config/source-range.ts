/** A place in a source file; line and column are 1-based, offset/length as in jsonc-parser. */
export interface SourceRange {
  offset: number;
  length: number;
  line: number;
  column: number;
}
