// Who is told of a positive PHQ-9 item 9: the patient's active care teams (clinical-codes.md §10:
// CareTeam?patient=<id>&status=active). One function, so that the lookup has one place to change.
import { FhirError } from '../errors.js';
import type { ResourceStore } from '../store/resources.js';

export type CareTeamLookup = (s: ResourceStore, patientId: string) => Promise<string[]>;

/** More teams than anyone has; the Communication names each. */
const MAX_TEAMS = 50;

/**
 * Ids of the patient's active CareTeams, within what the caller may see.
 *
 * Until the search engine (issue 3) is merged, the store's stopgap matcher knows only _id and
 * identifier and refuses `patient` with a 400 before it queries anything: the lookup then finds no
 * team, the Flag is still raised, and no Communication is written. Once search lands this query
 * works as it stands; the app-records API work (issue 7, part 2) removes the catch.
 */
export const activeCareTeamIds: CareTeamLookup = async (s, patientId) => {
  try {
    const matches = await s.match('CareTeam', [['patient', `Patient/${patientId}`], ['status', 'active']], MAX_TEAMS);
    return matches.map((m) => m.id);
  } catch (error) {
    if (error instanceof FhirError && error.status === 400) return [];
    throw error;
  }
};
