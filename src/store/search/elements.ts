// The FHIR R4 element model, read once from the official StructureDefinitions: which types an
// element path may hold. Search extraction needs it to know what a value is (a dateTime or a
// Period, a Coding or an Identifier) without guessing from its shape.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fhirDefinitionsDir } from '../../paths.js';

interface ElementInfo {
  /** FHIR type codes this element may hold; more than one for choice elements (value[x]). */
  types: string[];
  /** For elements defined by reference to another (Questionnaire.item.item -> Questionnaire.item). */
  contentReference?: string;
  min: number;
  max: string;
  isSummary: boolean;
}

interface StructureDefinitionLike {
  id: string;
  kind: string;
  abstract?: boolean;
  snapshot?: { element: Array<{ path: string; min?: number; max?: string; isSummary?: boolean; contentReference?: string; type?: Array<{ code: string }> }> };
}

const FHIRPATH_SYSTEM: Record<string, string> = {
  'http://hl7.org/fhirpath/System.String': 'string',
  'http://hl7.org/fhirpath/System.Boolean': 'boolean',
  'http://hl7.org/fhirpath/System.Integer': 'integer',
  'http://hl7.org/fhirpath/System.Decimal': 'decimal',
  'http://hl7.org/fhirpath/System.Date': 'date',
  'http://hl7.org/fhirpath/System.DateTime': 'dateTime',
  'http://hl7.org/fhirpath/System.Time': 'time',
};

let loaded: ElementModel | undefined;

export class ElementModel {
  private readonly elements = new Map<string, ElementInfo>();
  /** Resource types and complex datatypes that have their own definition. */
  private readonly definedTypes = new Set<string>();
  readonly resourceTypes = new Set<string>();

  constructor(bundles: Array<{ entry: Array<{ resource: StructureDefinitionLike }> }>) {
    for (const bundle of bundles) {
      for (const { resource: sd } of bundle.entry) {
        if (!sd.snapshot || (sd.kind !== 'resource' && sd.kind !== 'complex-type' && sd.kind !== 'primitive-type')) continue;
        if (sd.id.includes('-') && sd.kind !== 'resource') continue; // profiles such as SimpleQuantity are not types
        this.definedTypes.add(sd.id);
        if (sd.kind === 'resource' && !sd.abstract) this.resourceTypes.add(sd.id);
        for (const e of sd.snapshot.element) {
          if (!e.path.includes('.')) continue;
          const types = (e.type ?? []).map((t) => FHIRPATH_SYSTEM[t.code] ?? t.code);
          this.elements.set(e.path.replace(/\[x\]$/, ''), {
            types,
            contentReference: e.contentReference?.replace(/^#/, ''),
            min: e.min ?? 0,
            max: e.max ?? '1',
            isSummary: e.isSummary ?? false,
          });
        }
      }
    }
  }

  /** The R4 model, read once per process: it is immutable, and reading it takes a second. */
  static load(): ElementModel {
    if (!loaded) {
      const read = (file: string) => JSON.parse(readFileSync(path.join(fhirDefinitionsDir, file), 'utf8'));
      loaded = new ElementModel([read('profiles-types.json'), read('profiles-resources.json')]);
    }
    return loaded;
  }

  /**
   * The element `name` under the context `ctx` (a type name such as "Observation" or a backbone
   * path such as "Observation.component"), resolving content references and inherited elements.
   */
  element(ctx: string, name: string): ElementInfo | undefined {
    const direct = this.elements.get(`${ctx}.${name}`);
    if (direct) return direct.contentReference ? { ...direct, types: this.element(...splitLast(direct.contentReference))?.types ?? [] } : direct;
    // Elements every Element/Resource has (id, extension, meta...) when the snapshot lacks them.
    if (name === 'extension' || name === 'modifierExtension') return { types: ['Extension'], min: 0, max: '*', isSummary: false };
    if (name === 'id') return { types: ['string'], min: 0, max: '1', isSummary: false };
    return undefined;
  }

  /** The context that children of an element of `type` reached through `pathSoFar` live in. */
  childContext(pathSoFar: string, type: string): string {
    return type === 'BackboneElement' || type === 'Element' ? pathSoFar : type;
  }

  /** Top-level elements of a resource type: name -> info (for _summary and _elements). */
  topLevel(resourceType: string): Map<string, ElementInfo> {
    const result = new Map<string, ElementInfo>();
    const prefix = `${resourceType}.`;
    for (const [p, info] of this.elements) {
      if (p.startsWith(prefix) && !p.slice(prefix.length).includes('.')) result.set(p.slice(prefix.length), info);
    }
    return result;
  }

  isType(name: string): boolean {
    return this.definedTypes.has(name);
  }
}

function splitLast(p: string): [string, string] {
  const at = p.lastIndexOf('.');
  return [p.slice(0, at), p.slice(at + 1)];
}

/** The type suffix of a choice element's JSON name: ("value", "valueQuantity") -> "Quantity". */
export function choiceSuffix(base: string, key: string, types: string[]): string | undefined {
  if (!key.startsWith(base) || key.length === base.length) return undefined;
  const suffix = key.slice(base.length);
  return types.find((t) => t.toLowerCase() === suffix.toLowerCase());
}
