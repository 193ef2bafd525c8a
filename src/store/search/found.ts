// A resource a search found: stored JSON text plus what the Bundle and the cursor need.

export interface FoundResource {
  rid: number;
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  json: string;
}

/** A resource row as the search statements select it. */
export interface ResourceRow {
  rid: number;
  resource_type: string;
  id: string;
  version_id: number;
  last_updated: Date;
  content: string;
}

export function toFound(r: ResourceRow): FoundResource {
  return { rid: r.rid, resourceType: r.resource_type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated, json: r.content };
}
