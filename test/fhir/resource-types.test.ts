// Haven's list of R4 resource types is exactly the non-abstract resources of the R4 core spec.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { fhirDefinitionsDir } from '../../src/paths.js';
import { R4_RESOURCE_TYPES } from '../../src/fhir/resource-types.js';

t.test('R4_RESOURCE_TYPES matches the R4 StructureDefinitions', async (t) => {
  const bundle = JSON.parse(readFileSync(path.join(fhirDefinitionsDir, 'profiles-resources.json'), 'utf8')) as {
    entry: Array<{ resource: { resourceType: string; kind?: string; abstract?: boolean; derivation?: string; url?: string; type?: string } }>;
  };
  const core = bundle.entry
    .map((e) => e.resource)
    .filter(
      (r) =>
        r.resourceType === 'StructureDefinition' &&
        r.kind === 'resource' &&
        !r.abstract &&
        r.derivation === 'specialization' &&
        r.url?.startsWith('http://hl7.org/fhir/StructureDefinition/') &&
        r.type !== 'SubscriptionStatus', // an R4B backport the package carries; not in R4 4.0.1
    )
    .map((r) => r.type as string);
  t.same([...R4_RESOURCE_TYPES].sort(), core.sort());
  t.notOk(R4_RESOURCE_TYPES.includes('Project'), "Medplum's own types are not served");
});
