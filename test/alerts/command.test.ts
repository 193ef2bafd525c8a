// `haven alerts run [--rule R] [--dry-run]` as a process: usage errors, and a dry run that prints
// what it would raise and writes nothing (on PostgreSQL against the test app's database, seeded
// with a missed anticoagulant dose; on the embedded database, a fresh DATA_DIR of its own).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { packageRoot } from '../../src/paths.js';
import { testApp } from '../helpers/app.js';
import { newPatient, openAlerts } from './helpers.js';

const exec = promisify(execFile);

async function haven(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: packageRoot,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

t.test('usage errors answer 2 and name the problem', async (t) => {
  const unknownRule = await haven(['alerts', 'run', '--rule', 'bp-crisis'], {});
  t.equal(unknownRule.code, 2);
  t.match(unknownRule.stderr, /Unknown scheduled rule "bp-crisis"; one of missed-dose, adherence-low, assessment-due/);
  const noAction = await haven(['alerts'], {});
  t.equal(noAction.code, 2);
  t.match(noAction.stderr, /Usage: haven alerts run/);
});

t.test('a dry run prints what it would raise and writes nothing', async (t) => {
  const app = await testApp(t);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'haven-alerts-cli-'));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = app.databaseUrl ? { DATABASE_URL: app.databaseUrl, DATA_DIR: dataDir } : { DATA_DIR: dataDir };
  let patientId: string | undefined;
  if (app.databaseUrl) {
    patientId = await newPatient(app);
    const request = await app.fhir('POST', 'MedicationRequest', {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patientId}` },
      medicationCodeableConcept: { coding: [{ system: 'http://www.whocc.no/atc', code: 'B01AF' }], text: 'Anticoagulant' },
      authoredOn: new Date(Date.now() - 5 * 86_400_000).toISOString(),
    });
    await app.fhir('POST', 'MedicationAdministration', {
      resourceType: 'MedicationAdministration',
      status: 'not-done',
      statusReason: [{ text: 'missed' }],
      medicationCodeableConcept: { text: 'Anticoagulant' },
      subject: { reference: `Patient/${patientId}` },
      effectiveDateTime: new Date(Date.now() - 3_600_000).toISOString(),
      request: { reference: `MedicationRequest/${request.json.id}` },
    });
  }
  const result = await haven(['alerts', 'run', '--rule', 'missed-dose', '--dry-run'], env);
  t.equal(result.code, 0, result.stderr);
  if (patientId) {
    t.match(result.stdout, new RegExp(`would raise\\tmissed-dose\\thigh\\tPatient/${patientId}`));
    t.equal((await openAlerts(app, patientId, 'missed-dose')).length, 0, 'nothing written');
  }
  t.match(result.stdout, /patients checked, \d+ would be raised/);
});
