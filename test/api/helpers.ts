// Requests to the app-records API (/api/v1) of a test app, and small readers of what the FHIR side
// then holds.
import type { TestApp } from '../helpers/app.js';

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

export type ApiClient = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiResponse>;

/** A client of /api/v1/patients/... with a token (the app's system/*.cruds one by default). */
export function apiClient(app: TestApp, token?: string): ApiClient {
  const authorization = token === undefined ? app.authorization : `Bearer ${token}`;
  return async (method, path, body, headers = {}) => {
    const response = await app.app.inject({
      method,
      url: `/api/v1/patients/${path}`,
      headers: {
        authorization,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    let json: unknown;
    try {
      json = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.statusCode, headers: response.headers, body: response.body, json };
  };
}

/** Creates patients through FHIR. */
export async function createPatients(app: TestApp, ...ids: string[]): Promise<void> {
  for (const id of ids) {
    const res = await app.fhir('PUT', `Patient/${id}`, { resourceType: 'Patient', id });
    if (res.status !== 201 && res.status !== 200) throw new Error(`Patient/${id}: ${res.status} ${res.body}`);
  }
}

/** How many versions the store holds in all (a write that stores nothing leaves it unchanged). */
export async function versionCount(app: TestApp): Promise<number> {
  const { rows } = await app.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM resource_history');
  return rows[0].n;
}

/** Reads a resource through FHIR (a reference such as "Observation/123"). */
export async function fhirRead(app: TestApp, reference: string) {
  return app.fhir('GET', reference);
}
