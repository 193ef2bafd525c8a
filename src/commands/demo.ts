// `haven demo`: loads the dashboard's demo patients (src/app-host/demo-data.ts) into the database
// the server uses, then prints how to sign in. Runs in-process through Haven's own HTTP routes
// (app.inject), so the data is validated, scored, audited and alerted on like any app's writes.
// With the embedded database, run it while the server is stopped (one process at a time).
import { parseArgs } from 'node:util';
import { buildApp } from '../app.js';
import { seedDemo, type Send } from '../app-host/demo-data.js';
import { randomBytes } from 'node:crypto';
import { ensureDashboardClient } from '../app-host/dashboard-client.js';
import { mintAccessToken } from '../auth/tokens.js';
import { addUser, findUser } from '../oauth/users.js';
import { loadConfig } from '../config.js';
import { openServices, Runtime } from '../runtime.js';
import type { Command } from './command.js';

const USAGE = `haven demo [--days <n>]

Loads three demo patients with months of readings, PHQ-9/GAD-7 responses, medication doses, care
plans, alerts and care teams (Dr. Maya Chen: Alex and Jordan; RN Sam Okafor: Jordan and Priya), then
registers the dashboard as a SMART client, adds the two clinicians' logins and prints them. Uses DATABASE_URL, or the embedded
database in DATA_DIR: with the embedded one, stop the server first. Each run adds a new set.

  --days   days of history (default 120, at most 730)`;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Load demo patients for the care-team dashboard and print a login',
  usage: USAGE,
  async run(args) {
    let days = 120;
    try {
      const { values } = parseArgs({ args, options: { days: { type: 'string' } }, strict: true, allowPositionals: false });
      if (values.days !== undefined) {
        if (!/^\d{1,3}$/.test(values.days) || Number(values.days) < 7 || Number(values.days) > 730)
          throw new Error('--days must be a whole number from 7 to 730');
        days = Number(values.days);
      }
    } catch (error) {
      console.error(`${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    const config = loadConfig();
    const services = await openServices(config);
    const runtime = new Runtime();
    runtime.set(services);
    const app = buildApp({ config, runtime, logger: false });
    try {
      await app.ready();
      const admin = await mintAccessToken(services.auth.keys, services.auth.settings, { scope: 'system/*.cruds', ttlSeconds: 3600, subject: 'haven-demo' });
      const send: Send = async (method, url, body) => {
        const response = await app.inject({
          method,
          url,
          headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': 'application/fhir+json' } : {}) },
          ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
        });
        return { status: response.statusCode, json: response.body ? JSON.parse(response.body) : undefined };
      };
      console.error(`Loading ${days} days of demo data…`);
      const demo = await seedDemo(send, { days });
      const { therapist, nurse } = demo.practitioners;
      await ensureDashboardClient(services.db, config);
      // Logins for the two clinicians (a new name when an earlier run took it), one password for both.
      const password = randomBytes(9).toString('base64url');
      const login = async (base: string, who: string) => {
        let username = base;
        for (let n = 2; await findUser(services.db, username); n++) username = `${base}${n}`;
        await addUser(services.db, username, who, password);
        return username;
      };
      const therapistLogin = await login(therapist.username, `Practitioner/${therapist.id}`);
      const nurseLogin = await login(nurse.username, `Practitioner/${nurse.id}`);
      console.log(
        `Demo loaded: patients Alex Rivera (Patient/${demo.patients.alex}), Jordan Lee (Patient/${demo.patients.jordan}), Priya Nair (Patient/${demo.patients.priya}).`,
      );
      console.log('');
      console.log('Start Haven (npm start) and open the care-team dashboard:');
      console.log(`  ${config.baseUrl}/app/`);
      console.log('');
      console.log('Sign in with Haven as');
      console.log(`  ${therapist.name}: username ${therapistLogin}, password ${password}   (sees Alex and Jordan)`);
      console.log(`  ${nurse.name}: username ${nurseLogin}, password ${password}   (sees Jordan and Priya)`);
      console.log('');
      const token = await mintAccessToken(services.auth.keys, services.auth.settings, {
        scope: 'user/*.rs user/Flag.u',
        ttlSeconds: 12 * 3600,
        fhirUser: `Practitioner/${therapist.id}`,
        subject: `Practitioner/${therapist.id}`,
      });
      console.log(`Or, under "Developers: sign in with an access token", ${therapist.name}'s token (12 hours):`);
      console.log(`  ${token}`);
      return 0;
    } finally {
      await app.close();
      await services.db.close();
    }
  },
};
