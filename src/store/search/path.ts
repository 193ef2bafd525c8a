// The FHIRPath that search parameter definitions use, compiled once into plain functions over the
// resource JSON. The official expressions use a small subset (paths, unions, `as`/`ofType`,
// `where(resolve() is Type)`, `where(field='value')`, `extension('url')`, `[n]`); a dedicated
// evaluator is several times faster than a general FHIRPath engine and, through the element model,
// knows the type of every value (a dateTime or a Period), which extraction needs. Expressions
// outside the subset are handed to the `fhirpath` package, compiled once as well.
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { parseReferenceAtEnd } from '../../grammar/reference.js';
import { choiceSuffix, type ElementModel } from './elements.js';

/** A value found by an expression, with its FHIR type ("CodeableConcept", "dateTime", ...). */
export interface TypedValue {
  type: string;
  value: unknown;
  /** Where children of this value are defined (a type name or a backbone element path). */
  ctx: string;
}

export type PathFn = (input: TypedValue[]) => TypedValue[];

/**
 * A compiled expression as the branches of its top-level union, each with the resource type it
 * starts from (undefined for relative paths and Resource.x), so that extraction for one type runs
 * only that type's branches: `Observation.code | Condition.code | ...` costs one path, not fifteen.
 */
export interface CompiledExpression {
  branches: Array<{ root?: string; fn: PathFn }>;
}

export class UnsupportedExpression extends Error {}

/** Compiles `expression`; throws UnsupportedExpression when neither evaluator can. */
export function compileExpression(model: ElementModel, expression: string): CompiledExpression {
  try {
    const parser = new Parser(model, expression);
    const branches = parser.parseBranches();
    parser.expectEnd();
    return { branches };
  } catch (error) {
    if (!(error instanceof UnsupportedExpression)) throw error;
    return { branches: [{ fn: compileWithFhirpath(expression) }] };
  }
}

/** The function evaluating the branches of `compiled` that apply to resources of `type`. */
export function forType(compiled: CompiledExpression, type: string): PathFn | undefined {
  const fns = compiled.branches.filter((b) => b.root === undefined || b.root === type).map((b) => b.fn);
  if (!fns.length) return undefined;
  if (fns.length === 1) return fns[0];
  return (input) => fns.flatMap((fn) => fn(input));
}

/** All branches as one function (composite components, relative paths). */
export function anyType(compiled: CompiledExpression): PathFn {
  const fns = compiled.branches.map((b) => b.fn);
  return fns.length === 1 ? fns[0] : (input) => fns.flatMap((fn) => fn(input));
}

/** The root value of a resource, the input of compiled expressions. */
export function rootOf(resource: { resourceType: string }): TypedValue[] {
  return [{ type: resource.resourceType, value: resource, ctx: resource.resourceType }];
}

function compileWithFhirpath(expression: string): PathFn {
  let compiled: (resource: unknown) => unknown[];
  try {
    compiled = fhirpath.compile(expression, r4Model as never) as (resource: unknown) => unknown[];
  } catch (error) {
    throw new UnsupportedExpression(`Cannot compile "${expression}": ${(error as Error).message}`);
  }
  return (input) => {
    const out: TypedValue[] = [];
    for (const node of input) {
      let values: unknown[];
      try {
        values = compiled(node.value);
      } catch {
        continue;
      }
      for (const v of values) {
        if (typeof v === 'boolean') out.push({ type: 'boolean', value: v, ctx: 'boolean' });
        else if (typeof v === 'string') out.push({ type: 'string', value: v, ctx: 'string' });
      }
    }
    return out;
  };
}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|(\d+)|(!=|[().|[\]=,]))/y;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(source);
    if (!m) throw new UnsupportedExpression(`Unexpected text at ${at} in "${source}"`);
    if (m[1] !== undefined) tokens.push({ kind: 'ident', text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: 'string', text: m[2].replace(/\\(.)/g, '$1') });
    else if (m[3] !== undefined) tokens.push({ kind: 'number', text: m[3] });
    else tokens.push({ kind: 'punct', text: m[4] });
    at = re.lastIndex;
  }
  return tokens;
}

class Parser {
  private readonly tokens: Token[];
  private at = 0;

  constructor(
    private readonly model: ElementModel,
    source: string,
  ) {
    this.tokens = tokenize(source);
  }

  expectEnd(): void {
    if (this.at < this.tokens.length) throw new UnsupportedExpression(`Unsupported syntax near "${this.tokens[this.at].text}"`);
  }

  /** The top-level union, branch by branch, each with its root resource type. */
  parseBranches(): Array<{ root?: string; fn: PathFn }> {
    const branches: Array<{ root?: string; fn: PathFn }> = [];
    do {
      if (branches.length) this.at++;
      const first = this.tokens.slice(this.at).find((t) => t.kind === 'ident')?.text;
      const root = first && this.model.resourceTypes.has(first) ? first : undefined;
      branches.push({ root, fn: this.parseTerm() });
    } while (this.peek('|'));
    return branches;
  }

  parseUnion(): PathFn {
    const parts = [this.parseTerm()];
    while (this.peek('|')) {
      this.at++;
      parts.push(this.parseTerm());
    }
    if (parts.length === 1) return parts[0];
    return (input) => parts.flatMap((p) => p(input));
  }

  private parseTerm(): PathFn {
    let fn: PathFn;
    if (this.peek('(')) {
      this.at++;
      fn = this.parseUnion();
      if (this.peekIdent('as')) {
        this.at++;
        fn = then(fn, ofType(this.ident()));
      }
      this.expect(')');
    } else {
      fn = this.parsePath();
    }
    // Steps after a parenthesised expression: (X as CodeableConcept).text
    while (this.peek('.') || this.peek('[')) fn = then(fn, this.parseStep());
    if (this.peekIdent('as')) {
      this.at++;
      fn = then(fn, ofType(this.ident()));
    }
    return fn;
  }

  private parsePath(): PathFn {
    const first = this.ident();
    let fn: PathFn;
    if (first === 'Resource' || first === 'DomainResource') fn = (input) => input;
    else if (/^[A-Z]/.test(first) && this.model.resourceTypes.has(first)) fn = (input) => input.filter((n) => n.type === first);
    else fn = this.child(first);
    while (this.peek('.') || this.peek('[')) fn = then(fn, this.parseStep());
    return fn;
  }

  private parseStep(): PathFn {
    if (this.peek('[')) {
      this.at++;
      const index = Number(this.take('number').text);
      this.expect(']');
      return (input) => (input[index] ? [input[index]] : []);
    }
    this.expect('.');
    const name = this.ident();
    if (!this.peek('(')) return this.child(name);
    this.at++;
    switch (name) {
      case 'as':
      case 'ofType': {
        const type = this.ident();
        this.expect(')');
        return ofType(type);
      }
      case 'first':
        this.expect(')');
        return (input) => input.slice(0, 1);
      case 'extension': {
        const url = this.take('string').text;
        this.expect(')');
        const ext = this.child('extension');
        return (input) => ext(input).filter((n) => (n.value as { url?: string }).url === url);
      }
      case 'where':
        return this.parseWhere();
      default:
        throw new UnsupportedExpression(`Function ${name}() is outside the compiled subset`);
    }
  }

  private parseWhere(): PathFn {
    if (this.peekIdent('resolve')) {
      this.at++;
      this.expect('(');
      this.expect(')');
      if (this.ident() !== 'is') throw new UnsupportedExpression('Only resolve() is Type is supported');
      const type = this.ident();
      this.expect(')');
      return (input) => input.filter((n) => referenceType(n.value) === type);
    }
    const field = this.ident();
    this.expect('=');
    const value = this.take('string').text;
    this.expect(')');
    return (input) => input.filter((n) => (n.value as Record<string, unknown>)?.[field] === value);
  }

  /** Navigation to the child element `name`, choice elements included. */
  private child(name: string): PathFn {
    const model = this.model;
    // The element and its path by the context navigated from: a handful per expression, looked up
    // once (extraction runs these for every parameter of every resource written).
    const byContext = new Map<string, { info: ReturnType<ElementModel['element']>; path: string }>();
    const lookup = (ctx: string) => {
      let found = byContext.get(ctx);
      if (!found) byContext.set(ctx, (found = { info: model.element(ctx, name), path: `${ctx}.${name}` }));
      return found;
    };
    return (input) => {
      const out: TypedValue[] = [];
      for (const node of input) {
        const object = node.value;
        if (!object || typeof object !== 'object') continue;
        const { info, path } = lookup(node.ctx);
        if (!info) continue;
        if (info.types.length > 1) {
          for (const key of Object.keys(object)) {
            const type = choiceSuffix(name, key, info.types);
            if (type) push(out, (object as Record<string, unknown>)[key], type, model.childContext(path, type));
          }
        } else {
          const type = info.types[0] ?? 'Element';
          const ctx = info.contentReference ?? model.childContext(path, type);
          push(out, (object as Record<string, unknown>)[name], type, ctx);
        }
      }
      return out;
    };
  }

  private peek(punct: string): boolean {
    const t = this.tokens[this.at];
    return t?.kind === 'punct' && t.text === punct;
  }

  private peekIdent(text: string): boolean {
    const t = this.tokens[this.at];
    return t?.kind === 'ident' && t.text === text;
  }

  private expect(punct: string): void {
    if (!this.peek(punct)) throw new UnsupportedExpression(`Expected "${punct}"`);
    this.at++;
  }

  private take(kind: Token['kind']): Token {
    const t = this.tokens[this.at];
    if (t?.kind !== kind) throw new UnsupportedExpression(`Expected a ${kind}`);
    this.at++;
    return t;
  }

  private ident(): string {
    return this.take('ident').text;
  }
}

function push(out: TypedValue[], value: unknown, type: string, ctx: string): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const v of value) if (v !== undefined && v !== null) out.push({ type, value: v, ctx });
  } else {
    out.push({ type, value, ctx });
  }
}

function then(a: PathFn, b: PathFn): PathFn {
  return (input) => b(a(input));
}

function ofType(type: string): PathFn {
  const lower = type.toLowerCase();
  return (input) => input.filter((n) => n.type === type || n.type.toLowerCase() === lower);
}

/** The resource type a Reference points to: from `type`, or from a relative or absolute URL. */
export function referenceType(value: unknown): string | undefined {
  const ref = value as { reference?: string; type?: string } | undefined;
  if (!ref || typeof ref !== 'object') return undefined;
  if (ref.reference) {
    const literal = parseReferenceAtEnd(ref.reference);
    if (literal) return literal.type;
  }
  return ref.type;
}
