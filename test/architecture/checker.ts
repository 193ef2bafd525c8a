// The walls of the house, checked over source text alone (no database, no build): which file
// imports which, and where SQL is written. test/architecture.test.ts runs these rules over src/;
// test/architecture/checker.test.ts shows each rule biting on small fixtures.
import ts from 'typescript';
import { posix } from 'node:path';

/** Source files by path relative to the repository root, e.g. `src/store/db.ts`. */
export type Sources = ReadonlyMap<string, string>;

export interface Import {
  from: string;
  to: string;
  /** `import type`, `export type` or an inline `import('x').T` type: erased at run time, still a dependency. */
  typeOnly: boolean;
}

export interface Violation {
  rule: string;
  file: string;
  detail: string;
}

/** Every relative import of every file (static, re-export, dynamic and type-level), resolved to a file of `sources`. */
export function imports(sources: Sources): Import[] {
  const found: Import[] = [];
  for (const [file, text] of sources) {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const add = (specifier: string, typeOnly: boolean): void => {
      if (!specifier.startsWith('.')) return;
      const to = resolve(file, specifier, sources);
      if (to !== undefined) found.push({ from: file, to, typeOnly });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
        const clause = node.importClause;
        const typeOnly = clause !== undefined && (clause.isTypeOnly || (onlyTypeSpecifiers(clause.namedBindings) && clause.name === undefined));
        add(node.moduleSpecifier.text, typeOnly);
      } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
        add(node.moduleSpecifier.text, node.isTypeOnly);
      } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
        const [argument] = node.arguments;
        if (argument !== undefined && ts.isStringLiteralLike(argument)) add(argument.text, false);
      } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
        add(node.argument.literal.text, true);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

function onlyTypeSpecifiers(bindings: ts.NamedImportBindings | undefined): boolean {
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function resolve(from: string, specifier: string, sources: Sources): string | undefined {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  const stem = base.replace(/\.(js|ts|mjs)$/, '');
  for (const candidate of [`${stem}.ts`, `${stem}/index.ts`, base]) if (sources.has(candidate)) return candidate;
  return undefined;
}

/** The room a file belongs to: its top-level folder under src/ (`src/store`), or the file itself for files at src/'s root. */
export function roomOf(file: string): string {
  const parts = file.split('/');
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** Strongly connected components with more than one member (or a member importing itself): the cycles of a graph. */
export function cycles(edges: ReadonlyArray<readonly [string, string]>): string[][] {
  const next = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (!next.has(from)) next.set(from, new Set());
    if (!next.has(to)) next.set(to, new Set());
    next.get(from)!.add(to);
  }
  // Tarjan's algorithm, iterative so that deep graphs cannot overflow the stack.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const found: string[][] = [];
  for (const root of [...next.keys()].sort()) {
    if (index.has(root)) continue;
    const work: Array<{ node: string; children: Iterator<string> }> = [];
    const enter = (node: string): void => {
      index.set(node, counter);
      low.set(node, counter);
      counter += 1;
      stack.push(node);
      onStack.add(node);
      work.push({ node, children: [...next.get(node)!].sort()[Symbol.iterator]() });
    };
    enter(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const step = frame.children.next();
      if (!step.done) {
        const child = step.value;
        if (!index.has(child)) enter(child);
        else if (onStack.has(child)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(child)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          component.push(member);
        } while (member !== frame.node);
        if (component.length > 1 || next.get(frame.node)!.has(frame.node)) found.push(component.sort());
      }
    }
  }
  return found;
}

/** Import cycles between files, then between rooms (a room importing a room that imports it back). */
export function importCycles(sources: Sources): Violation[] {
  const all = imports(sources);
  const fileCycles = cycles(all.map((edge) => [edge.from, edge.to] as const));
  const roomEdges = all.map((edge) => [roomOf(edge.from), roomOf(edge.to)] as const).filter(([from, to]) => from !== to);
  const roomCycles = cycles(roomEdges);
  return [
    ...fileCycles.map((members) => ({ rule: 'no file import cycles', file: members[0]!, detail: members.join(' <-> ') })),
    ...roomCycles.map((members) => ({
      rule: 'no room import cycles',
      file: members[0]!,
      detail: members.map((room) => `${room}: ${witness(all, room, members)}`).join('; '),
    })),
  ];
}

// One import from a room into another member of its cycle, to say where to look.
function witness(all: Import[], room: string, members: string[]): string {
  const edge = all.find((candidate) => roomOf(candidate.from) === room && roomOf(candidate.to) !== room && members.includes(roomOf(candidate.to)));
  return edge === undefined ? '' : `${edge.from} -> ${edge.to}`;
}

export interface Wall {
  /** The files the rule is about: a room or a folder (`src/store`). */
  room: string;
  /** Rooms (`src/fhir`) or package names (`fastify`) those files may not import. */
  forbidden: readonly string[];
}

/** Imports that go through a wall: a file under `wall.room` importing a forbidden room or package. */
export function wallBreaches(sources: Sources, walls: readonly Wall[]): Violation[] {
  const breaches: Violation[] = [];
  const relative = imports(sources);
  for (const wall of walls) {
    const inside = (file: string): boolean => file === wall.room || file.startsWith(`${wall.room}/`);
    for (const edge of relative) {
      if (!inside(edge.from)) continue;
      const hit = wall.forbidden.find((room) => edge.to === room || edge.to.startsWith(`${room}/`));
      if (hit !== undefined) breaches.push({ rule: `${wall.room} may not import ${hit}`, file: edge.from, detail: edge.to });
    }
    for (const [file, text] of sources) {
      if (!inside(file)) continue;
      for (const specifier of packageImports(file, text)) {
        const hit = wall.forbidden.find((name) => specifier === name || specifier.startsWith(`${name}/`));
        if (hit !== undefined) breaches.push({ rule: `${wall.room} may not import ${hit}`, file, detail: specifier });
      }
    }
  }
  return breaches;
}

function packageImports(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: ts.Expression | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = node.moduleSpecifier;
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) specifier = node.arguments[0];
    if (specifier !== undefined && ts.isStringLiteralLike(specifier) && !specifier.text.startsWith('.')) found.push(specifier.text);
    if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal) &&
      !node.argument.literal.text.startsWith('.')
    )
      found.push(node.argument.literal.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

// A statement, not a word: SELECT with a FROM or a value list after it, INSERT INTO, UPDATE x SET,
// DELETE FROM, written in capitals as every statement of this code base is (so prose such as
// "select a patient from the list" in a message is not taken for SQL).
const SQL = /\bSELECT\b[\s\S]*?\b(FROM|WHERE)\b|\bSELECT\s+(1|true|pg_\w+|\$\d)|\bINSERT\s+INTO\b|\bUPDATE\s+[\w."]+\s+SET\b|\bDELETE\s+FROM\b/;

/** String and template literals that hold a SQL statement, in files outside `allowed` folders. */
export function sqlOutside(sources: Sources, allowed: readonly string[]): Violation[] {
  const found: Violation[] = [];
  for (const [file, text] of sources) {
    if (allowed.some((folder) => file.startsWith(`${folder}/`))) continue;
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
    const visit = (node: ts.Node): void => {
      let literal: string | undefined;
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) literal = node.text;
      else if (ts.isTemplateExpression(node)) literal = [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join(' $1 ');
      if (literal !== undefined && SQL.test(literal)) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        found.push({ rule: 'SQL only in src/store/', file: `${file}:${line + 1}`, detail: literal.trim().replace(/\s+/g, ' ').slice(0, 80) });
      }
      if (!ts.isTemplateExpression(node)) ts.forEachChild(node, visit);
      else for (const span of node.templateSpans) visit(span.expression);
    };
    visit(source);
  }
  return found;
}
