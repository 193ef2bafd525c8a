// Requests to the app-records API (/api/v1) of a test app, and small readers of what the FHIR side
// then holds.
import { readResponse, type FhirResponse, type TestApp } from '../helpers/app.js';

export type ApiResponse = FhirResponse;

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
    return readResponse(response);
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
