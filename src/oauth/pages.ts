// The pages a person sees while signing in to an app: plain server-rendered HTML forms that work
// without JavaScript (there is none), readable on a phone, with labels and a sensible focus order.
// Every value is escaped; every form carries the pending request's handle and its CSRF token.
import { describeScope, isBroad } from './scope-granting.js';

export const STYLESHEET_PATH = '/auth/static/signin.css';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Haven</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<main>
<p class="brand">Haven</p>
${body}
</main>
</body>
</html>
`;
}

function hidden(handle: { request: string; csrf: string }): string {
  return `<input type="hidden" name="request" value="${escapeHtml(handle.request)}">
<input type="hidden" name="csrf" value="${escapeHtml(handle.csrf)}">`;
}

function errorBox(message?: string): string {
  return message ? `<p class="error" role="alert" id="form-error">${escapeHtml(message)}</p>` : '';
}

export function loginPage(handle: { request: string; csrf: string }, appName: string, message?: string): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p><strong>${escapeHtml(appName)}</strong> wants to use your Haven account.</p>
${errorBox(message)}
<form method="post" action="/auth/authorize/login"${message ? ' aria-describedby="form-error"' : ''}>
${hidden(handle)}
<label for="username">Username</label>
<input id="username" name="username" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>`,
  );
}

export interface PatientChoice {
  id: string;
  name: string;
  birthDate?: string;
}

export function patientPage(handle: { request: string; csrf: string }, appName: string, patients: PatientChoice[]): string {
  const options = patients
    .map(
      (p, i) => `<div class="choice">
<input type="radio" id="patient-${i}" name="patient" value="${escapeHtml(p.id)}"${i === 0 ? ' checked' : ''}>
<label for="patient-${i}">${escapeHtml(p.name)}${p.birthDate ? ` <span class="muted">born ${escapeHtml(p.birthDate)}</span>` : ''}</label>
</div>`,
    )
    .join('\n');
  return layout(
    'Choose a patient',
    `<h1>Choose a patient</h1>
<p>Which patient's record should <strong>${escapeHtml(appName)}</strong> open?</p>
<form method="post" action="/auth/authorize/patient">
${hidden(handle)}
<fieldset>
<legend>Patients in your care</legend>
${options}
</fieldset>
<button type="submit">Continue</button>
</form>`,
  );
}

export function consentPage(
  handle: { request: string; csrf: string },
  app: { name: string; redirectHost: string },
  who: { fhirUser: string; patientName?: string },
  scopes: string[],
): string {
  const items = scopes
    .map(
      (scope, i) => `<div class="choice">
<input type="checkbox" id="scope-${i}" name="scope" value="${escapeHtml(scope)}" checked>
<label for="scope-${i}">${escapeHtml(describeScope(scope))}${isBroad(scope) ? ' <span class="flag">broad</span>' : ''} <code>${escapeHtml(scope)}</code></label>
</div>`,
    )
    .join('\n');
  return layout(
    'Allow access',
    `<h1>Allow ${escapeHtml(app.name)}?</h1>
<p>Signed in as <strong>${escapeHtml(who.fhirUser)}</strong>.${who.patientName ? ` Patient: <strong>${escapeHtml(who.patientName)}</strong>.` : ''}
The app at <strong>${escapeHtml(app.redirectHost)}</strong> asks to:</p>
<form method="post" action="/auth/authorize/consent">
${hidden(handle)}
<fieldset>
<legend>Uncheck what you do not want to allow</legend>
${items}
</fieldset>
<div class="actions">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
</div>
</form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>\n<p role="alert">${escapeHtml(message)}</p>\n<p>Return to the app and try again, or ask the app's provider for help.</p>`,
  );
}

export const STYLESHEET = `*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#f4f6f8}
main{max-width:28rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
.brand{margin:0 0 .5rem;font-weight:700;color:#2d5f8b}
h1{font-size:1.4rem;margin:.25rem 0 1rem}
label{display:block;margin:.75rem 0 .25rem;font-weight:600}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}
.choice label{margin:0;font-weight:400}
.choice input{margin-top:.3rem;width:1.2rem;height:1.2rem}
input[type=text],input[type=password]{width:100%;padding:.6rem;font-size:1rem;border:1px solid #6b7280;border-radius:4px}
input:focus,button:focus{outline:3px solid #f5b301;outline-offset:2px}
fieldset{border:1px solid #d1d5db;border-radius:4px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
button{margin-top:1rem;padding:.7rem 1.2rem;font-size:1rem;border:0;border-radius:4px;background:#2d5f8b;color:#fff;cursor:pointer;min-height:44px}
button.secondary{background:#e5e7eb;color:#1b1b1b}
.actions{display:flex;gap:1rem;flex-wrap:wrap}
.error{background:#fde8e8;color:#8a1c1c;padding:.5rem .75rem;border-radius:4px}
.muted{color:#555}
.flag{background:#fff4ce;color:#6b4e00;border-radius:3px;padding:0 .3rem;font-size:.85rem}
code{font-size:.8rem;color:#555;word-break:break-all}
`;
