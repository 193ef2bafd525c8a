// What the dashboard reads, all with the signed-in person's token: FHIR searches through fhirclient
// and the app-records API (/api/v1) with the same bearer token. Whatever the token may not see, the
// server leaves out, so the app cannot show it.
import type Client from 'fhirclient/lib/Client';
import type { AppConfig } from './session';

export type Resource = { resourceType: string; id: string; [key: string]: any };

export interface Assessment {
  id: string;
  type: 'PHQ-9' | 'GAD-7';
  responses: number[];
  score: number;
  severity: string;
  takenAt: string;
}
export interface MoodEntry {
  id: string;
  recordedAt: string;
  overallMood: number;
}
export interface Vitals {
  id: string;
  recordedAt: string;
  systolicBP?: number;
  diastolicBP?: number;
  heartRate?: number;
  weightLb?: number;
  oxygenSaturation?: number;
  temperatureF?: number;
}
export interface Medication {
  id: string;
  name: string;
  dosage?: string;
  frequency?: string;
  startDate?: string;
  endDate?: string;
  active?: boolean;
}
export interface DoseLog {
  id: string;
  takenAt: string;
  status: 'taken' | 'missed' | 'skipped';
}
export interface CarePlan {
  id: string;
  title: string;
  status?: string;
  goals?: Array<{ description: string; targetDate?: string; status?: string }>;
}

export interface Summary {
  patientId: string;
  latestVitals: Record<string, { value: number; recordedAt: string } | null>;
  medicationAdherence: Array<{
    medicationId: string;
    name: string;
    dosesPerDay: number | null;
    expected: number | null;
    taken: number;
    adherence: number | null;
  }>;
  assessments: Record<'phq9' | 'gad7', { score: number; severity: string; takenAt: string } | null>;
  riskFlags: Array<{ flagId: string; text: string | null; category?: string[]; rule?: string; severity?: string }>;
}

export class HavenData {
  constructor(
    readonly client: Client,
    readonly config: AppConfig,
  ) {}

  /** Every resource of a FHIR search, following its next links. */
  async search(query: string): Promise<Resource[]> {
    const resources: Resource[] = [];
    let url: string | undefined = query;
    for (let page = 0; url && page < 50; page++) {
      const bundle: any = await this.client.request({ url, headers: { accept: 'application/fhir+json' } });
      for (const entry of bundle.entry ?? []) if (entry.resource) resources.push(entry.resource);
      url = (bundle.link ?? []).find((l: any) => l.relation === 'next')?.url;
    }
    return resources;
  }

  async api<T>(path: string): Promise<T> {
    const token = this.client.state.tokenResponse?.access_token;
    const response = await fetch(`${this.config.apiBaseUrl}${path}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      credentials: 'omit',
    });
    if (!response.ok) throw new Error(`${path.split('?')[0]} answered ${response.status}`);
    return (await response.json()) as T;
  }

  /**
   * Every record of a list since `from` (newest first, at most 200 a page): pages by moving `to`
   * back to the oldest record seen, which is inclusive, so records sharing that instant are kept
   * (duplicates are dropped by id).
   */
  async records<T extends { id: string }>(patientId: string, kind: string, timeField?: keyof T, from?: string): Promise<T[]> {
    const seen = new Map<string, T>();
    let to: string | undefined;
    for (let page = 0; page < 100; page++) {
      const query = new URLSearchParams({ limit: '200' });
      if (from) query.set('from', from);
      if (to) query.set('to', to);
      const batch = await this.api<T[] | { records?: T[]; items?: T[] }>(`/patients/${encodeURIComponent(patientId)}/${kind}?${query}`);
      const list = Array.isArray(batch) ? batch : (batch.records ?? batch.items ?? []);
      let added = 0;
      for (const record of list)
        if (!seen.has(record.id)) {
          seen.set(record.id, record);
          added++;
        }
      if (!timeField || list.length < 200 || added === 0) break;
      to = String(list[list.length - 1][timeField as keyof T]);
    }
    return [...seen.values()];
  }

  summary(patientId: string, days: number): Promise<Summary> {
    return this.api<Summary>(`/patients/${encodeURIComponent(patientId)}/summary?days=${Math.min(365, Math.max(1, days))}`);
  }

  patient(id: string): Promise<Resource> {
    return this.client.request({ url: `Patient/${encodeURIComponent(id)}`, headers: { accept: 'application/fhir+json' } }) as Promise<Resource>;
  }

  /** The patients of the person's care teams (all reachable care teams when the person is unknown). */
  async careTeamPatients(fhirUser: string | undefined): Promise<Resource[]> {
    const query = new URLSearchParams({ status: 'active', _include: 'CareTeam:subject', _count: '100' });
    if (fhirUser && /^(Practitioner|PractitionerRole)\//.test(fhirUser)) query.set('participant', fhirUser);
    const found = await this.search(`CareTeam?${query}`);
    const patients = new Map<string, Resource>();
    for (const resource of found) if (resource.resourceType === 'Patient') patients.set(resource.id, resource);
    return [...patients.values()];
  }

  flags(patientId: string): Promise<Resource[]> {
    return this.search(`Flag?patient=${encodeURIComponent(patientId)}&_count=100`);
  }

  goals(patientId: string): Promise<Resource[]> {
    return this.search(`Goal?patient=${encodeURIComponent(patientId)}&_count=100`);
  }

  /** Resolves an alert: the Flag made inactive with an end to its period, as a FHIR update. */
  async resolveFlag(flagId: string): Promise<Resource> {
    const current = (await this.client.request({ url: `Flag/${encodeURIComponent(flagId)}`, headers: { accept: 'application/fhir+json' } })) as Resource;
    const updated = { ...current, status: 'inactive', period: { ...(current.period ?? {}), end: new Date().toISOString() } };
    const version = current.meta?.versionId;
    return (await this.client.update(updated as any, { headers: version ? { 'if-match': `W/"${version}"` } : {} } as any)) as Resource;
  }
}

export function patientName(patient: Resource | undefined): string {
  const name = patient?.name?.[0];
  if (!name) return patient ? `Patient ${patient.id}` : 'Unknown patient';
  if (name.text) return name.text;
  return [...(name.given ?? []), name.family].filter(Boolean).join(' ') || `Patient ${patient?.id}`;
}
