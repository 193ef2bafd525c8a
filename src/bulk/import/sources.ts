// What `haven import PATH...` reads: files and folders (walked recursively), each as NDJSON (one
// resource a line: .ndjson, .jsonl) or JSON (a Bundle, or one resource). Synthea writes the
// Organizations and Practitioners that patients' Bundles refer to by conditional reference into
// hospitalInformation*.json and practitionerInformation*.json: those go first.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Source {
  path: string;
  kind: 'ndjson' | 'json';
  size: number;
  mtimeMs: number;
}

export function collectSources(paths: string[]): { sources: Source[]; problems: string[] } {
  const found: Source[] = [];
  const problems: string[] = [];
  const visit = (p: string) => {
    let info;
    try {
      info = statSync(p);
    } catch {
      problems.push(`${p}: no such file or folder`);
      return;
    }
    if (info.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!name.startsWith('.')) visit(path.join(p, name));
      return;
    }
    const kind = kindOf(p);
    if (kind) found.push({ path: path.resolve(p), kind, size: info.size, mtimeMs: info.mtimeMs });
    else if (paths.includes(p)) problems.push(`${p}: not .ndjson, .jsonl or .json`);
  };
  for (const p of paths) visit(p);
  const unique = [...new Map(found.map((s) => [s.path, s])).values()];
  unique.sort((a, b) => rank(a.path) - rank(b.path) || a.path.localeCompare(b.path));
  return { sources: unique, problems };
}

function kindOf(file: string): Source['kind'] | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  if (lower.endsWith('.json')) return 'json';
  return undefined;
}

/** Synthea's shared resources before the patients that refer to them. */
function rank(file: string): number {
  const name = path.basename(file);
  if (name.startsWith('hospitalInformation')) return 0;
  if (name.startsWith('practitionerInformation')) return 1;
  return 2;
}
