// The dashboard's entry: sign in (SMART App Launch via fhirclient), then route by the location hash,
// which carries only ids and the chosen window (no PHI in URLs).
import './styles.css';
import type Client from 'fhirclient/lib/Client';
import { HavenData, patientName, type Resource } from './data';
import { h, replaceMain } from './dom';
import { patientPage } from './pages/patient';
import { patientsPage } from './pages/patients';
import { currentClient, ehrLaunch, fhirUserOf, loadConfig, mayResolve, signOut, standaloneLaunch, useToken, type AppConfig } from './session';

async function start(): Promise<void> {
  const config = await loadConfig();
  if (window.location.pathname.endsWith('/launch.html')) {
    await ehrLaunch(config);
    return;
  }
  let client: Client | undefined;
  try {
    client = await currentClient();
  } catch (error) {
    signOut();
    return signInPage(config, `Sign-in did not complete: ${(error as Error).message}`);
  }
  if (!client) return signInPage(config);
  const data = new HavenData(client, config);
  const fhirUser = fhirUserOf(client);
  const signedIn = document.getElementById('signed-in');
  if (signedIn) {
    const who = h('span', { id: 'signed-in-name' }, fhirUser ? `Signed in as ${fhirUser}` : 'Signed in');
    if (fhirUser) {
      // The person's own name, when their token may read their own record.
      void (client.request(fhirUser) as Promise<Resource>)
        .then((person) => (who.textContent = `Signed in as ${patientName(person).replace(/^Patient /, '')}`))
        .catch(() => undefined);
    }
    signedIn.replaceChildren(
      who,
      ' ',
      h('button', { type: 'button', class: 'link-button', id: 'sign-out', onclick: () => (signOut(), window.location.assign('./')) }, 'Sign out'),
    );
  }
  const launchPatient = client.patient.id ?? undefined;
  const route = async () => {
    const main = document.getElementById('main') as HTMLElement;
    main.setAttribute('aria-busy', 'true');
    const [path, query = ''] = window.location.hash.replace(/^#/, '').split('?');
    const match = /^\/patient\/([A-Za-z0-9\-.]{1,64})$/.exec(path);
    const windowKey = new URLSearchParams(query).get('window') ?? '90';
    try {
      if (match) await patientPage(data, match[1], windowKey, mayResolve(client as Client), !launchPatient);
      else if (launchPatient) await patientPage(data, launchPatient, windowKey, mayResolve(client as Client), false);
      else await patientsPage(data, fhirUser);
      main.focus();
    } catch (error) {
      replaceMain(h('h1', {}, 'Something went wrong'), h('p', { class: 'notice' }, (error as Error).message));
    }
  };
  window.addEventListener('hashchange', route);
  await route();
}

function signInPage(config: AppConfig, problem?: string): void {
  const tokenInput = h('textarea', { id: 'token', name: 'token', rows: 3, autocomplete: 'off', spellcheck: 'false' }) as HTMLTextAreaElement;
  const form = h(
    'form',
    { id: 'token-form', class: 'token-form' },
    h('label', { for: 'token' }, 'Access token (from npx haven token)'),
    tokenInput,
    h('button', { type: 'submit' }, 'Use this token'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = tokenInput.value.trim();
    if (!token) return;
    useToken(config, token);
    window.location.reload();
  });
  replaceMain(
    h('h1', {}, 'Haven care-team dashboard'),
    problem ? h('p', { class: 'notice', role: 'alert' }, problem) : '',
    h('p', {}, 'Sign in with your Haven account to see the patients of your care teams.'),
    h('p', {}, h('button', { type: 'button', id: 'sign-in', class: 'primary', onclick: () => void standaloneLaunch(config) }, 'Sign in with Haven')),
    h('details', { class: 'developer' }, h('summary', {}, 'Developers: sign in with an access token'), form),
  );
}

start().catch((error: unknown) => {
  replaceMain(h('h1', {}, 'The dashboard could not start'), h('p', { class: 'notice' }, (error as Error).message));
});
