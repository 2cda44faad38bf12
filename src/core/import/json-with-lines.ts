// JSON.parse forgets where a value was, and a bad bookmark has to be reported by its line. This reads
// standard JSON and remembers the line each object starts on; strings and numbers are still decoded
// by JSON.parse, so their meaning is exactly the standard one.

export class JsonSyntaxError extends Error {
  constructor(
    readonly line: number,
    what: string,
  ) {
    super(`line ${line}: ${what}`);
  }
}

export interface JsonWithLines {
  value: unknown;
  /** The line (1-based) each object and array of the value starts on. */
  lineOf(value: object): number | undefined;
}

const MaxDepth = 256;
const NumberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function parseJsonWithLines(text: string): JsonWithLines {
  const lines = new WeakMap<object, number>();
  let at = 0;
  let line = 1;

  const fail = (what: string): never => {
    throw new JsonSyntaxError(line, what);
  };
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(at);
      if (c === 0x0a) line++;
      else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return;
      at++;
    }
  };
  const expect = (char: string) => {
    skipSpace();
    if (text[at] !== char) fail(at >= text.length ? `the JSON ends where "${char}" was expected` : `expected "${char}" but found ${JSON.stringify(text[at])}`);
    at++;
  };
  const readString = (): string => {
    const start = at;
    at++;
    let escaped = false;
    for (;;) {
      const c = text.charCodeAt(at);
      if (Number.isNaN(c) || c === 0x0a) fail('a string is not closed');
      if (c === 0x5c) {
        escaped = true;
        at += 2;
        continue;
      }
      at++;
      if (c === 0x22) break;
    }
    const raw = text.slice(start, at);
    if (!escaped) return raw.slice(1, -1);
    try {
      return JSON.parse(raw) as string;
    } catch {
      return fail('a string has a bad escape');
    }
  };
  const readValue = (depth: number): unknown => {
    if (depth > MaxDepth) fail(`nested deeper than ${MaxDepth} levels`);
    skipSpace();
    const c = text[at];
    if (c === '{') {
      const object: Record<string, unknown> = {};
      lines.set(object, line);
      at++;
      skipSpace();
      if (text[at] === '}') {
        at++;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[at] !== '"') fail('expected a quoted property name');
        const key = readString();
        expect(':');
        const value = readValue(depth + 1);
        // Own data property even for "__proto__", as JSON.parse does.
        Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect('}');
        return object;
      }
    }
    if (c === '[') {
      const array: unknown[] = [];
      lines.set(array, line);
      at++;
      skipSpace();
      if (text[at] === ']') {
        at++;
        return array;
      }
      for (;;) {
        array.push(readValue(depth + 1));
        skipSpace();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect(']');
        return array;
      }
    }
    if (c === '"') return readString();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return value;
      }
    }
    NumberPattern.lastIndex = at;
    const number = NumberPattern.exec(text);
    if (number) {
      at += number[0].length;
      return Number(number[0]);
    }
    return fail(at >= text.length ? 'the JSON ends too early' : `unexpected ${JSON.stringify(text[at])}`);
  };

  const value = readValue(0);
  skipSpace();
  if (at < text.length) fail(`unexpected ${JSON.stringify(text[at])} after the end of the JSON`);
  return { value, lineOf: (object) => lines.get(object) };
}
