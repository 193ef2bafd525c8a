// Who is told of a positive PHQ-9 item 9: the patient's active care teams (clinical-codes.md §10:
// CareTeam?patient=<id>&status=active). One function, so that the lookup has one place to change;
// here beside the alerts, whose recipients they are, and used by the assessment hook (hooks/) too.
import type { ResourceStore } from '../store/resources.js';

export type CareTeamLookup = (s: ResourceStore, patientId: string) => Promise<string[]>;

/** More teams than anyone has; the Communication names each. */
const MAX_TEAMS = 50;

/** Ids of the patient's active CareTeams, within what the caller may see. */
export const activeCareTeamIds: CareTeamLookup = async (s, patientId) => {
  const matches = await s.match(
    'CareTeam',
    [
      ['patient', `Patient/${patientId}`],
      ['status', 'active'],
    ],
    MAX_TEAMS,
  );
  return matches.map((m) => m.id);
};
