// _summary and _elements: partial resources, tagged SUBSETTED as FHIR asks, for search and read.
import { FhirError } from '../errors.js';
import type { ElementModel } from '../store/search/elements.js';
import { carryLexemes, parseStored, stringifyLossless } from '../json/lossless.js';

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

export interface SubsetOptions {
  summary?: SummaryMode;
  elements?: string[];
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/** _summary and _elements of a read or vread (query already parsed by Fastify); 400 when malformed. */
export function subsetOptions(query: Record<string, unknown> | undefined): SubsetOptions {
  const summary = query?._summary;
  const elements = query?._elements;
  const options: SubsetOptions = {};
  if (summary !== undefined) {
    if (typeof summary !== 'string' || !['true', 'text', 'data', 'false'].includes(summary)) {
      throw FhirError.badRequest('invalid-parameter', '_summary must be true, text, data or false here', ['_summary']);
    }
    options.summary = summary as SummaryMode;
  }
  if (elements !== undefined) {
    if (typeof elements !== 'string') throw FhirError.badRequest('repeated-parameter', '_elements may appear only once', ['_elements']);
    options.elements = elements
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
  }
  return options;
}

/** True when the options change what a resource looks like. */
export function isSubsetting(options: SubsetOptions): boolean {
  return (options.summary !== undefined && options.summary !== 'false' && options.summary !== 'count') || options.elements !== undefined;
}

export class ResourceSubsetter {
  private readonly cache = new Map<string, { summary: Set<string>; mandatory: Set<string>; all: Set<string> }>();

  constructor(private readonly model: ElementModel) {}

  /** The JSON text of `json` reduced as the options ask; the text itself when nothing is removed. */
  apply(json: string, options: SubsetOptions): string {
    if (!isSubsetting(options)) return json;
    const resource = parseStored(json) as Record<string, unknown> & { resourceType: string; meta?: { tag?: unknown[] } };
    const { summary, mandatory, all } = this.elementsOf(resource.resourceType);
    let keep: (name: string) => boolean;
    if (options.elements) {
      const wanted = new Set(options.elements.map((e) => e.split('.')[0]));
      keep = (name) => ALWAYS.has(name) || mandatory.has(name) || wanted.has(name);
    } else if (options.summary === 'true') keep = (name) => ALWAYS.has(name) || summary.has(name);
    else if (options.summary === 'text') keep = (name) => ALWAYS.has(name) || name === 'text' || mandatory.has(name);
    else keep = (name) => name !== 'text'; // data
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(resource)) {
      const name = key.startsWith('_') ? key.slice(1) : key;
      if (keep(name) || keep(choiceBase(name, all))) out[key] = value;
    }
    const meta = { ...((out.meta as Record<string, unknown> | undefined) ?? {}) };
    meta.tag = [...((meta.tag as unknown[] | undefined) ?? []), SUBSETTED];
    out.meta = meta;
    carryLexemes(resource, out);
    return stringifyLossless(out);
  }

  private elementsOf(type: string): { summary: Set<string>; mandatory: Set<string>; all: Set<string> } {
    let entry = this.cache.get(type);
    if (!entry) {
      const summary = new Set<string>();
      const mandatory = new Set<string>();
      const all = new Set<string>();
      for (const [name, info] of this.model.topLevel(type)) {
        all.add(name);
        if (info.isSummary) summary.add(name);
        if (info.min > 0) mandatory.add(name);
      }
      entry = { summary, mandatory, all };
      this.cache.set(type, entry);
    }
    return entry;
  }
}

/** valueQuantity -> value, when `value` is a choice element of the type. */
function choiceBase(name: string, elements: Set<string>): string {
  if (elements.has(name)) return name;
  for (let i = name.length - 1; i > 0; i--) {
    if (/[A-Z]/.test(name[i]) && elements.has(name.slice(0, i))) return name.slice(0, i);
  }
  return name;
}
