// JSON that keeps each number's text as the client sent it. FHIR R4 decimals carry their
// precision in their text ("0.010 is not 0.01"), but JSON.parse turns every number into an IEEE
// float, so 1.50 would be stored as 1.5 and a 17-digit value would lose a digit.
//
// parseLossless gives plain JS values (numbers stay numbers, so validation, mappers and search
// see what they always saw) and remembers, per containing object or array, the text of each
// number whose float does not print back the same. stringifyLossless writes those numbers with
// their remembered text as long as the value was not changed in between. Objects keep their
// memory as long as they are passed on by reference; copies made with cloneLossless keep it too.
import { randomBytes } from 'node:crypto';

/** holder (object or array) -> property -> the number's text as sent. */
const lexemes = new WeakMap<object, Map<string, string>>();
/** Objects that hold, directly or below them, a remembered number: only those need the slow path. */
const carriers = new WeakSet<object>();

const VALID_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Strings (skipped whole), numbers, and brackets; whitespace and punctuation fall between. */
const TOKEN = /"(?:[^"\\]|\\.)*"|[-0-9][-+.eE0-9]*|[[\]{}]/g;

export interface JsonLimits {
  /** Deepest nesting of objects and arrays accepted. */
  maxDepth: number;
}

export class JsonInputError extends Error {
  constructor(
    message: string,
    /** Where in the document, as a JSON pointer-ish path, when known. */
    readonly at?: string,
    /** The refusal's stable code: nesting past the bound is not malformed JSON. */
    readonly code: 'malformed-body' | 'nested-too-deep' = 'malformed-body',
  ) {
    super(message);
    this.name = 'JsonInputError';
  }
}

/**
 * Parses JSON text, refusing nesting deeper than limits.maxDepth and numbers that are no finite
 * float (1e400), and remembering the text of numbers that a float would change (1.50, 1.0,
 * 0.12345678901234567). Throws SyntaxError for text that is not JSON.
 */
export function parseLossless(text: string, limits: JsonLimits): unknown {
  const kept: Array<{ start: number; end: number }> = [];
  let depth = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    const token = m[0];
    const c = token.charCodeAt(0);
    if (c === 0x7b || c === 0x5b) {
      if (++depth > limits.maxDepth) throw new JsonInputError(`The JSON is nested deeper than ${limits.maxDepth} levels`, undefined, 'nested-too-deep');
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c !== 0x22 && VALID_NUMBER.test(token)) {
      const value = Number(token);
      if (!Number.isFinite(value)) throw new JsonInputError(`The number ${token.slice(0, 40)} is too large for this server`);
      if (String(value) !== token) kept.push({ start: m.index, end: m.index + token.length });
    }
  }
  if (!kept.length) return JSON.parse(text);
  // Each such number becomes a marked string for JSON.parse, then a number again with its text
  // remembered. The mark starts with NUL, which no accepted client string may hold, plus a random
  // part, so no client string is taken for one.
  const mark = `\u0000${randomBytes(6).toString('hex')}:`;
  const escapedMark = JSON.stringify(mark).slice(1, -1);
  let marked = '';
  let from = 0;
  for (const { start, end } of kept) {
    marked += `${text.slice(from, start)}"${escapedMark}${text.slice(start, end)}"`;
    from = end;
  }
  marked += text.slice(from);
  const root = JSON.parse(marked) as unknown;
  const restore = (holder: Record<string, unknown>, key: string): boolean => {
    const value = holder[key];
    if (typeof value === 'string') {
      if (!value.startsWith(mark)) return false;
      const lexeme = value.slice(mark.length);
      holder[key] = Number(lexeme);
      let map = lexemes.get(holder);
      if (!map) lexemes.set(holder, (map = new Map()));
      map.set(key, lexeme);
      return true;
    }
    if (!value || typeof value !== 'object') return false;
    let any = false;
    for (const k of Object.keys(value)) if (restore(value as Record<string, unknown>, k)) any = true;
    if (any) carriers.add(value);
    return any;
  };
  const box = { root };
  restore(box, 'root');
  return box.root;
}

/** JSON text of `value`, with every remembered number written as it was sent. */
export function stringifyLossless(value: unknown, indent?: number): string {
  if (!value || typeof value !== 'object' || !holdsCarrier(value)) return JSON.stringify(value, null, indent);
  const placed: string[] = [];
  const mark = `\u0000${randomBytes(6).toString('hex')}:`;
  const text = JSON.stringify(
    value,
    function (this: object, key: string, v: unknown) {
      if (typeof v !== 'number') return v;
      const lexeme = lexemes.get(this)?.get(key);
      if (lexeme === undefined || Number(lexeme) !== v) return v;
      placed.push(lexeme);
      return `${mark}${placed.length - 1}`;
    },
    indent,
  );
  if (!placed.length) return text;
  const escapedMark = JSON.stringify(mark).slice(1, -1);
  return text.replace(new RegExp(`"${escapedMark.replace(/\\/g, '\\\\')}(\\d+)"`, 'g'), (_all, i: string) => placed[Number(i)]);
}

/** Whether anything in `value` remembers a number's text (objects rebuilt by code are not marked themselves). */
function holdsCarrier(value: object): boolean {
  if (carriers.has(value)) return true;
  for (const v of Array.isArray(value) ? value : Object.values(value)) {
    if (v && typeof v === 'object' && holdsCarrier(v as object)) return true;
  }
  return false;
}

/** Parses stored JSON (already checked when it was written) keeping its numbers' text. */
export function parseStored<T = unknown>(json: string): T {
  return parseLossless(json, { maxDepth: Number.MAX_SAFE_INTEGER }) as T;
}

/** A deep copy that keeps remembered numbers (structuredClone would forget them). */
export function cloneLossless<T>(value: T): T {
  if (!value || typeof value !== 'object') return value;
  const copy = (Array.isArray(value) ? value.map(cloneLossless) : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneLossless(v)]))) as T &
    object;
  carryLexemes(value as object, copy);
  return copy;
}

/**
 * Lets `to` (a shallow copy of `from`, e.g. a resource rebuilt with server-set meta) write the
 * numbers `from` remembered, for the properties both hold.
 */
export function carryLexemes(from: object, to: object): void {
  const map = lexemes.get(from);
  if (map) lexemes.set(to, new Map(map));
  if (carriers.has(from)) carriers.add(to);
}
