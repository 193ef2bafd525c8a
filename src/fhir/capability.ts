// The CapabilityStatement: built once at start from what the server really supports.
import { createHash } from 'node:crypto';
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
  CapabilityStatementRestSecurity,
} from '@medplum/fhirtypes';
import type { Config } from '../config.js';
import { WRITE_INTERACTIONS } from '../grammar/interaction.js';
import { HAVEN_VERSION } from '../version.js';

export interface CapabilityInputs {
  config: Config;
  resourceTypes: Iterable<string>;
  /** Search parameters that work, per resource type (added by the search engine). */
  searchParams?: (resourceType: string) => CapabilityStatementRestResourceSearchParam[] | undefined;
  /** _include and _revinclude values that work, per resource type (from the search registry). */
  searchIncludes?: (resourceType: string) => { include: string[]; revinclude: string[] };
  /** System-level interactions beyond history-system (transaction, batch, search-system). */
  systemInteractions?: Array<'transaction' | 'batch' | 'search-system' | 'history-system'>;
  /** rest.security, from the authorization layer. */
  security?: CapabilityStatementRestSecurity;
  /** Resource types that can only be read and searched (e.g. AuditEvent). */
  readOnlyTypes?: ReadonlySet<string>;
  /** Complete entries for types served by their own routes (AuditEvent), used instead of the generic one. */
  resourceEntries?: ReadonlyMap<string, CapabilityStatementRestResource>;
  /** Operations at system level (rest.operation), e.g. Bulk Data $export. */
  systemOperations?: Array<{ name: string; definition: string }>;
  /** Operations per resource type (rest.resource.operation), e.g. Patient $export and $everything. */
  resourceOperations?: ReadonlyMap<string, Array<{ name: string; definition: string }>>;
  /** Canonical URLs of the CapabilityStatements this server implements (e.g. bulk-data). */
  instantiates?: string[];
}

export interface Capability {
  statement: CapabilityStatement;
  json: string;
  etag: string;
}

export function buildCapability(inputs: CapabilityInputs): Capability {
  const resources: CapabilityStatementRestResource[] = [...inputs.resourceTypes].map((type) => {
    const own = inputs.resourceEntries?.get(type);
    if (own) return own;
    const readOnly = inputs.readOnlyTypes?.has(type) ?? false;
    const searchParam = inputs.searchParams?.(type);
    const interactions = [
      'read',
      'vread',
      'history-instance',
      'history-type',
      ...(searchParam ? ['search-type'] : []),
      ...(readOnly ? [] : WRITE_INTERACTIONS),
    ] as const;
    return {
      type,
      interaction: interactions.map((code) => ({ code })),
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: !readOnly,
      conditionalCreate: !readOnly,
      conditionalRead: 'full-support',
      conditionalUpdate: !readOnly,
      conditionalDelete: readOnly ? 'not-supported' : 'single',
      ...(searchParam?.length ? { searchParam } : {}),
      ...includeLists(inputs.searchIncludes?.(type)),
      ...(inputs.resourceOperations?.get(type)?.length ? { operation: inputs.resourceOperations.get(type) } : {}),
    } as CapabilityStatementRestResource;
  });
  const system = new Set(['history-system', ...(inputs.systemInteractions ?? [])]);
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    publisher: 'Haven',
    kind: 'instance',
    ...(inputs.instantiates?.length ? { instantiates: inputs.instantiates } : {}),
    software: { name: 'Haven', version: HAVEN_VERSION },
    implementation: { description: 'Haven FHIR R4 server', url: inputs.config.fhirBaseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        ...(inputs.security ? { security: inputs.security } : {}),
        resource: resources,
        interaction: [...system].map((code) => ({ code: code as 'history-system' })),
        ...(inputs.systemOperations?.length ? { operation: inputs.systemOperations } : {}),
      },
    ],
  };
  // The date changes at each start, the ETag only when what is supported changes.
  const { date: _date, ...stable } = statement;
  const etag = `W/"${createHash('sha256').update(JSON.stringify(stable)).digest('base64url').slice(0, 16)}"`;
  return { statement, json: JSON.stringify(statement), etag };
}

function includeLists(lists: { include: string[]; revinclude: string[] } | undefined) {
  return {
    ...(lists?.include.length ? { searchInclude: lists.include } : {}),
    ...(lists?.revinclude.length ? { searchRevInclude: lists.revinclude } : {}),
  };
}
