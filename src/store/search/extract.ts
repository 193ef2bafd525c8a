// Extraction: one resource version -> its index rows and compartments. Pure; runs once per write,
// with the extractors the registry compiled at start.
import type { Resource } from '@medplum/fhirtypes';
import { localPart, parseLiteralReference, referenceKey } from '../../grammar/reference.js';
import { rootOf, type TypedValue } from './path.js';
import type { ActiveParam, SearchRegistry } from './registry.js';
import { emptyRows, type IndexRows, type ReferenceRow } from './rows.js';
import { dateRange, decimalString, normalizeString } from './values.js';

/** Longest normalised string kept in the index: enough for names and codes, within btree limits. */
const MAX_INDEXED_STRING = 256;
const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity']);
const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);
const URI_TYPES = new Set(['uri', 'url', 'canonical', 'oid', 'uuid']);
const STRING_TYPES = new Set(['string', 'markdown', 'code', 'id', 'uri', 'url', 'canonical']);

export interface ExtractOptions {
  /** FHIR base URL of this server: absolute references to it are stored as relative ones. */
  baseUrl: string;
  /** IANA zone for dates without a zone. */
  zone: string;
}

/**
 * The index rows of `resource`: of every parameter of its type, or of `only` those (the Node
 * matcher, which needs the rows of the parameters it tests and the same rows the index holds).
 */
export function extractRows(registry: SearchRegistry, resource: Resource, options: ExtractOptions, only?: readonly ActiveParam[]): IndexRows {
  const rows = emptyRows();
  const root = rootOf(resource);
  for (const param of only ?? registry.forType(resource.resourceType)) {
    const values = param.fn(root);
    if (values.length) addValues(rows, param, values, options);
  }
  return dedupe(rows);
}

function addValues(rows: IndexRows, param: ActiveParam, values: TypedValue[], options: ExtractOptions): void {
  for (const v of values) {
    switch (param.type) {
      case 'token':
        addToken(rows, param, v);
        break;
      case 'string':
        for (const s of stringsOf(v)) addString(rows, param.key, s);
        break;
      case 'date': {
        const range = dateRangeOf(v, options.zone);
        if (range) rows.date.push({ param: param.key, ...range });
        break;
      }
      case 'number':
        if (NUMBER_TYPES.has(v.type) && typeof v.value === 'number') rows.number.push({ param: param.key, value: decimalString(v.value) });
        break;
      case 'quantity': {
        const q = quantityOf(v);
        if (q) rows.quantity.push({ param: param.key, ...q });
        break;
      }
      case 'uri':
        if (typeof v.value === 'string') rows.uri.push({ param: param.key, uri: v.value });
        break;
      case 'reference':
        addReference(rows, param, v, options);
        break;
      case 'composite':
        addComposite(rows, param, v, options);
        break;
    }
  }
}

interface Code {
  system: string | null;
  code: string;
}

/** The codes a token parameter indexes for one value, and the texts its :text modifier searches. */
function tokensOf(v: TypedValue): { codes: Code[]; texts: string[] } {
  const value = v.value as Record<string, unknown>;
  const codes: Code[] = [];
  const texts: string[] = [];
  const coding = (c: { system?: string; code?: string; display?: string } | undefined) => {
    if (!c) return;
    if (typeof c.code === 'string') codes.push({ system: c.system ?? null, code: c.code });
    if (typeof c.display === 'string') texts.push(c.display);
  };
  switch (v.type) {
    case 'Coding':
      coding(value as never);
      break;
    case 'CodeableConcept':
      for (const c of (value.coding as never[] | undefined) ?? []) coding(c);
      if (typeof value.text === 'string') texts.push(value.text);
      break;
    case 'Identifier':
      if (typeof value.value === 'string') codes.push({ system: (value.system as string | undefined) ?? null, code: value.value });
      if (typeof (value.type as { text?: unknown } | undefined)?.text === 'string') texts.push((value.type as { text: string }).text);
      break;
    case 'ContactPoint':
      if (typeof value.value === 'string') codes.push({ system: (value.system as string | undefined) ?? null, code: value.value });
      break;
    case 'boolean':
      codes.push({ system: null, code: String(v.value) });
      break;
    case 'Reference':
      break;
    default:
      if (typeof v.value === 'string') codes.push({ system: null, code: v.value });
  }
  return { codes, texts };
}

function addToken(rows: IndexRows, param: ActiveParam, v: TypedValue): void {
  const { codes, texts } = tokensOf(v);
  for (const c of codes) rows.token.push({ param: param.key, system: c.system, code: c.code });
  for (const t of texts) addString(rows, param.textKey, t);
  if (v.type === 'Identifier') {
    const id = v.value as { value?: string; type?: { coding?: Array<{ system?: string; code?: string }> } };
    for (const c of id.type?.coding ?? []) {
      if (c.code && typeof id.value === 'string') rows.token.push({ param: param.ofTypeKey, system: `${c.system ?? ''}|${c.code}`, code: id.value });
    }
  }
}

function addString(rows: IndexRows, key: number, text: string): void {
  const norm = normalizeString(text).slice(0, MAX_INDEXED_STRING);
  if (norm || text) rows.string.push({ param: key, norm, exact: text });
}

function stringsOf(v: TypedValue): string[] {
  const value = v.value as Record<string, unknown>;
  if (typeof v.value === 'string' && STRING_TYPES.has(v.type)) return [v.value];
  const pick = (...keys: string[]) => keys.flatMap((k) => [value[k]].flat()).filter((s): s is string => typeof s === 'string');
  switch (v.type) {
    case 'HumanName':
      return pick('text', 'family', 'given', 'prefix', 'suffix');
    case 'Address':
      return pick('text', 'line', 'city', 'district', 'state', 'postalCode', 'country');
    case 'CodeableConcept':
      return pick('text');
    case 'Coding':
      return pick('display');
    case 'Annotation':
      return pick('text');
    default:
      return [];
  }
}

function dateRangeOf(v: TypedValue, zone: string): { low: string; high: string } | undefined {
  const iso = (ms: number) => new Date(ms).toISOString();
  if (DATE_TYPES.has(v.type) && typeof v.value === 'string') {
    const r = dateRange(v.value, zone);
    return r && { low: iso(r.low), high: iso(r.high) };
  }
  if (v.type === 'Period') {
    const p = v.value as { start?: string; end?: string };
    const start = p.start ? dateRange(p.start, zone) : undefined;
    const end = p.end ? dateRange(p.end, zone) : undefined;
    if (!start && !end) return undefined;
    return { low: start ? iso(start.low) : '-infinity', high: end ? iso(end.high) : 'infinity' };
  }
  if (v.type === 'Timing') {
    const events = ((v.value as { event?: string[] }).event ?? []).map((e) => dateRange(e, zone)).filter((r) => r !== undefined);
    if (!events.length) return undefined;
    return { low: iso(Math.min(...events.map((e) => e.low))), high: iso(Math.max(...events.map((e) => e.high))) };
  }
  return undefined;
}

function quantityOf(v: TypedValue): { value: string; system: string | null; code: string | null; unit: string | null } | undefined {
  const q = v.value as { value?: number; system?: string; code?: string; unit?: string; currency?: string };
  if (typeof q?.value !== 'number') return undefined;
  if (QUANTITY_TYPES.has(v.type)) return { value: decimalString(q.value), system: q.system ?? null, code: q.code ?? null, unit: q.unit ?? null };
  if (v.type === 'Money') return { value: decimalString(q.value), system: 'urn:iso:std:iso:4217', code: q.currency ?? null, unit: null };
  return undefined;
}

/** A reference as stored: relative for this server's resources, version dropped. */
export function parseReference(reference: string, baseUrl: string): Omit<ReferenceRow, 'param'> | undefined {
  if (!reference || reference.startsWith('#')) return undefined;
  const literal = parseLiteralReference(reference, { baseUrl });
  if (literal) return { ref: referenceKey(literal), targetType: literal.type, targetId: literal.id };
  return { ref: localPart(reference, baseUrl), targetType: null, targetId: null };
}

function addReference(rows: IndexRows, param: ActiveParam, v: TypedValue, options: ExtractOptions): void {
  if (v.type === 'Reference') {
    const r = v.value as { reference?: string; identifier?: { system?: string; value?: string } };
    const parsed = typeof r.reference === 'string' ? parseReference(r.reference, options.baseUrl) : undefined;
    if (parsed) rows.reference.push({ param: param.key, ...parsed });
    if (typeof r.identifier?.value === 'string') rows.token.push({ param: param.identifierKey, system: r.identifier.system ?? null, code: r.identifier.value });
    return;
  }
  if (typeof v.value === 'string' && URI_TYPES.has(v.type)) {
    // canonical "url|version": searchable by the URL alone and with its version.
    const [url, version] = v.value.split('|');
    const parsed = parseReference(url, options.baseUrl) ?? { ref: url, targetType: null, targetId: null };
    rows.reference.push({ param: param.key, ...parsed });
    if (version !== undefined) rows.reference.push({ param: param.key, ref: v.value, targetType: null, targetId: null });
  }
}

function addComposite(rows: IndexRows, param: ActiveParam, base: TypedValue, options: ExtractOptions): void {
  const [first, second] = param.components!;
  const keys = first.fn([base]).flatMap((v) => tokensOf(v).codes);
  if (!keys.length) return;
  const seconds = second.fn([base]);
  for (const k of keys) {
    for (const v of seconds) {
      const row = { param: param.key, keySystem: k.system, keyCode: k.code, system: null, code: null, value: null, low: null, high: null, norm: null };
      if (second.type === 'token') {
        for (const c of tokensOf(v).codes) rows.composite.push({ ...row, system: c.system, code: c.code });
      } else if (second.type === 'quantity') {
        const q = quantityOf(v);
        if (q) rows.composite.push({ ...row, value: q.value, system: q.system, code: q.code });
      } else if (second.type === 'date') {
        const d = dateRangeOf(v, options.zone);
        if (d) rows.composite.push({ ...row, low: d.low, high: d.high });
      } else {
        for (const s of stringsOf(v)) rows.composite.push({ ...row, norm: normalizeString(s).slice(0, MAX_INDEXED_STRING) });
      }
    }
  }
}

/** The same value reached through two paths (Observation.code | Observation.component.code) is indexed once. */
function dedupe(rows: IndexRows): IndexRows {
  for (const key of Object.keys(rows) as Array<keyof IndexRows>) {
    const list = rows[key] as unknown[];
    if (list.length < 2) continue;
    const seen = new Set<string>();
    (rows as unknown as Record<string, unknown[]>)[key] = list.filter((r) => {
      const k = Object.values(r as object).join('\u0001');
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  }
  return rows;
}
