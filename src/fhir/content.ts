// Whether two versions of a resource say the same thing, whatever their key order and server-set
// meta (versionId, lastUpdated): writers that must not add a version for nothing ask this.
import type { Resource } from '@medplum/fhirtypes';

export function sameContent(a: Resource, b: Resource): boolean {
  return canonicalJson(withoutServerMeta(a)) === canonicalJson(withoutServerMeta(b));
}

function withoutServerMeta(resource: Resource): Resource {
  const { meta, ...rest } = resource;
  if (!meta) return rest as Resource;
  const { versionId: _v, lastUpdated: _l, ...kept } = meta;
  return (Object.keys(kept).length ? { ...rest, meta: kept } : rest) as Resource;
}

/** JSON with object keys sorted, so that equal content gives equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
