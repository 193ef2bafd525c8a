// Loads the artefacts Haven publishes (conformance/: Questionnaires, CodeSystems, SearchParameters,
// profiles) into the store at start, so that they are readable through the FHIR API. Idempotent:
// each artefact keeps the fixed id of its file and is written, through the store (history, index,
// audit), only when missing or changed; instances starting together take turns on a lock.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { sameContent } from '../fhir/content.js';
import type { ResourceValidator } from '../fhir/validate.js';
import { conformanceDir } from '../paths.js';
import { ALL_ACCESS, type StoreContext } from '../store/context.js';
import type { Store } from '../store/store.js';

/** Example resources document the mappings; they are not published into the store. */
const NOT_LOADED = new Set(['examples']);

/** Who writes the artefacts, for the audit trail: Haven itself, at start. */
const LOADER: StoreContext = { actor: { requestId: 'haven-startup-conformance', clientId: 'haven' }, access: ALL_ACCESS };

export interface ConformanceArtefact {
  file: string;
  resource: Resource & { id: string };
}

export interface LoadReport {
  /** `Type/id` of every artefact written (new or changed). */
  written: string[];
  unchanged: number;
}

/** Every artefact under `dir` (examples excepted), checked to carry an id and a canonical url. */
export function readConformance(dir: string = conformanceDir): ConformanceArtefact[] {
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json') && !NOT_LOADED.has(file.split(path.sep)[0]))
    .sort();
  return files.map((file) => {
    const resource = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as Resource & { id?: string; url?: string };
    if (!resource.resourceType || !resource.id || !resource.url) {
      throw new Error(`conformance/${file} must be one resource with an id and a canonical url`);
    }
    return { file, resource: resource as ConformanceArtefact['resource'] };
  });
}

export async function loadConformance(store: Store, validator: ResourceValidator, dir: string = conformanceDir): Promise<LoadReport> {
  const artefacts = readConformance(dir);
  for (const { file, resource } of artefacts) {
    const issues = validator.validate(resource);
    if (issues.length) throw new Error(`conformance/${file} is not a valid R4 ${resource.resourceType}: ${issues.map((i) => i.diagnostics).join('; ')}`);
  }
  return store.transaction(LOADER, async (s) => {
    await s.lockCondition('haven:conformance-load');
    const report: LoadReport = { written: [], unchanged: 0 };
    for (const { resource } of artefacts) {
      const current = await s.readForUpdate(resource.resourceType, resource.id);
      if (current?.json && sameContent(JSON.parse(current.json) as Resource, resource)) {
        report.unchanged++;
        continue;
      }
      await s.update(resource.resourceType, resource.id, resource);
      report.written.push(`${resource.resourceType}/${resource.id}`);
    }
    return report;
  });
}
