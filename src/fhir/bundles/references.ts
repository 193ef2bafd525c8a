// Reference rewriting inside a transaction Bundle: the fullUrls of its entries (urn:uuid:, urn:oid:
// or absolute) become the Type/id the server assigned, and conditional references
// ("Patient?identifier=sys|1") become the one resource they match.
import { choiceSuffix, ElementModel } from '../../store/search/elements.js';

/** "Patient?identifier=..." : a reference that is a search, relative to the base. */
const CONDITIONAL = /^[A-Z][A-Za-z]+\?.+/;

/** Element types whose values are rewritten when they equal a fullUrl (R4 Bundle, "Resolving references"). */
const URI_TYPES = new Set(['uri', 'url', 'oid', 'uuid']);

/**
 * Rewrites, in place, what R4 says a transaction rewrites: Reference.reference, elements of type
 * uri, url, oid and uuid equal to a mapped fullUrl, and href/src attributes in narrative. The
 * resource is walked by its element types (the R4 element model), never by value: an
 * Identifier.value, a HumanName.text or a valueString that happens to equal a fullUrl is data and
 * stays as sent. Canonical elements are not rewritten (FHIR).
 */
export function rewriteReferences(resource: unknown, fullUrls: ReadonlyMap<string, string>, conditional: ReadonlyMap<string, string>): void {
  const type = resource && typeof resource === 'object' ? (resource as { resourceType?: unknown }).resourceType : undefined;
  if (typeof type !== 'string' || !ElementModel.load().isType(type)) return;
  walk(resource as Record<string, unknown>, type, { model: ElementModel.load(), fullUrls, conditional });
}

interface Rewrite {
  model: ElementModel;
  fullUrls: ReadonlyMap<string, string>;
  conditional: ReadonlyMap<string, string>;
}

function walk(object: Record<string, unknown>, ctx: string, r: Rewrite): void {
  for (const [key, value] of Object.entries(object)) {
    if (key === 'resourceType' || value === null || value === undefined) continue;
    if (key.startsWith('_')) {
      // A primitive's id and extensions: an Element.
      forEach(value, (v) => (v && typeof v === 'object' ? walk(v as Record<string, unknown>, 'Element', r) : undefined));
      continue;
    }
    const typed = elementType(r.model, ctx, key);
    if (!typed) continue;
    const { type, path } = typed;
    const rewritten = mapValues(value, (v) => {
      if (typeof v === 'string') {
        if (ctx === 'Reference' && key === 'reference') return r.conditional.get(v) ?? r.fullUrls.get(v) ?? v;
        if (URI_TYPES.has(type)) return r.fullUrls.get(v) ?? v;
        if (type === 'xhtml') return rewriteNarrative(v, r.fullUrls);
        return v;
      }
      if (v && typeof v === 'object') {
        if (type === 'Resource' || type === 'DomainResource') {
          const inner = (v as { resourceType?: unknown }).resourceType;
          if (typeof inner === 'string' && r.model.isType(inner)) walk(v as Record<string, unknown>, inner, r);
        } else {
          walk(v as Record<string, unknown>, r.model.childContext(path, type), r);
        }
      }
      return v;
    });
    if (rewritten !== value) object[key] = rewritten;
  }
}

/** The type of element `key` under `ctx`, choice elements (valueUri, valueReference) included. */
function elementType(model: ElementModel, ctx: string, key: string): { type: string; path: string } | undefined {
  const info = model.element(ctx, key);
  // Questionnaire.item.item and the like are defined by reference to another element: its children are theirs.
  const path = info?.contentReference ?? `${ctx}.${key}`;
  if (info && info.types.length === 1) return { type: info.types[0], path };
  if (info && info.types.length === 0) return { type: 'BackboneElement', path };
  for (let i = key.length - 1; i > 0; i--) {
    const c = key.charCodeAt(i);
    if (c < 65 || c > 90) continue; // a choice type suffix starts with a capital
    const base = key.slice(0, i);
    const choice = model.element(ctx, base);
    const type = choice && choiceSuffix(base, key, choice.types);
    if (type) return { type, path: `${ctx}.${base}` };
  }
  return undefined;
}

function forEach(value: unknown, fn: (v: unknown) => void): void {
  if (Array.isArray(value)) value.forEach(fn);
  else fn(value);
}

/** The value with fn applied to it (or to each item of an array); the same value when nothing changed. */
function mapValues(value: unknown, fn: (v: unknown) => unknown): unknown {
  if (!Array.isArray(value)) return fn(value);
  let changed = false;
  const out = value.map((v) => {
    const m = fn(v);
    if (m !== v) changed = true;
    return m;
  });
  if (!changed) return value;
  // Keep the array itself (it may remember decimals' text): change it in place.
  out.forEach((m, i) => (value[i] = m));
  return value;
}

/** The conditional references ("Type?query") anywhere in a resource. */
export function conditionalReferences(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => conditionalReferences(n, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === 'reference' && typeof value === 'string' && CONDITIONAL.test(value)) found.add(value);
      else if (typeof value === 'object') conditionalReferences(value, found);
    }
  }
  return found;
}

function rewriteNarrative(div: string, fullUrls: ReadonlyMap<string, string>): string {
  return div.replace(/\b(href|src)=(["'])([^"']*)\2/g, (whole, attribute: string, quote: string, target: string) => {
    const mapped = fullUrls.get(target);
    return mapped ? `${attribute}=${quote}${mapped}${quote}` : whole;
  });
}
