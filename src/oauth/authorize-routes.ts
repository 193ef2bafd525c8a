// The authorization endpoint and the pages behind it: GET or POST /auth/authorize checks the
// request and stores it (oauth_pending); then login, patient picker and consent, each a form that
// posts back the pending request's handle and CSRF token; then 302 to the app with a code.
// Every POST reloads the stored request and checks the CSRF token, the browser cookie the request
// was bound to, and the Origin header: nothing that decides where the browser goes or what is
// granted is taken from the form.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { smart } from '../auth/hooks.js';
import type { Runtime } from '../runtime.js';
import type { Services } from '../runtime.js';
import { findClient, type ClientRecord } from '../store/clients.js';
import { auditOAuth } from './audit.js';
import {
  checkAuthorizeRequest,
  RedirectedError,
  redirectTo,
  requestParams,
  UntrustedRequest,
  type AuthorizeErrorCode,
} from './authorize-request.js';
import { BROWSER_COOKIE, readCookie, SESSION_COOKIE, setCookie } from './cookies.js';
import { consentPage, errorPage, loginPage, patientPage, STYLESHEET, STYLESHEET_PATH } from './pages.js';
import { dummyPasswordHash, verifyPassword } from './password.js';
import { mayReach, reachablePatients } from './patients.js';
import { approvedScopes, needsPatient, offerScopes, type IdentityKind } from './scope-granting.js';
import { equalSecrets, newSecret, sha256 } from './secrets.js';
import {
  choosePatient,
  createGrantWithCode,
  createPending,
  createSession,
  endSession,
  findPending,
  findSession,
  finishPending,
  signInPending,
  SESSION_TTL_SECONDS,
  type PendingRequest,
} from './state.js';
import { addressKey, clearFailures, PER_ADDRESS, PER_USER, recordFailure, retryAfter, userKey } from './throttle.js';
import { findUser, storeHash, type UserRecord } from './users.js';
import { hashPassword } from './password.js';

/** Thrown by a step: the browser is sent back to the app with this error. */
class Denied extends Error {
  constructor(
    readonly code: AuthorizeErrorCode,
    description: string,
  ) {
    super(description);
  }
}

export function registerAuthorizeRoutes(app: FastifyInstance, runtime: Runtime): void {
  const secure = () => runtime.services.config.baseUrl.startsWith('https:');

  const authorize = async (request: FastifyRequest, reply: FastifyReply) => {
    const services = runtime.services;
    pageHeaders(reply);
    let checked;
    try {
      checked = await checkAuthorizeRequest(services, requestParams(request));
    } catch (error) {
      if (error instanceof UntrustedRequest) {
        await auditOAuth(services.db, request, { event: 'oauth-authorize', ok: false, description: error.message });
        return reply.code(400).type('text/html; charset=utf-8').send(errorPage('This sign-in link is not valid', error.message));
      }
      if (error instanceof RedirectedError) {
        await auditOAuth(services.db, request, { event: 'oauth-authorize', ok: false, description: `${error.code}: ${error.message}` });
        return reply.redirect(redirectTo(error.redirectUri, { error: error.code, error_description: error.message, state: error.state }), 302);
      }
      throw error;
    }
    let browser = readCookie(request, BROWSER_COOKIE);
    if (!browser) {
      browser = newSecret();
      setCookie(reply, BROWSER_COOKIE, browser, { secure: secure() });
    }
    const sessionId = readCookie(request, SESSION_COOKIE);
    const session = sessionId ? await findSession(services.db, sha256(sessionId)) : undefined;
    if (checked.prompt === 'none') {
      // Haven always asks for consent, so a request that may show nothing cannot succeed.
      const code = session ? 'consent_required' : 'login_required';
      return reply.redirect(redirectTo(checked.redirectUri, { error: code, error_description: 'Haven needs to show a page to the person', state: checked.state }), 302);
    }
    const pending: PendingRequest = {
      id: newSecret(),
      csrfToken: newSecret(),
      browserHash: sha256(browser),
      clientId: checked.client.clientId,
      redirectUri: checked.redirectUri,
      scope: checked.scope,
      state: checked.state,
      codeChallenge: checked.codeChallenge,
      ...(checked.nonce ? { nonce: checked.nonce } : {}),
      ...(checked.launch ? { launchPatient: checked.launch.patient } : {}),
      ...(checked.launch?.encounter ? { launchEncounter: checked.launch.encounter } : {}),
    };
    await createPending(services.db, pending);
    if (session && sessionId) {
      await signInPending(services.db, pending.id, session.username, sha256(sessionId));
      pending.username = session.username;
      pending.sessionHash = sha256(sessionId);
    }
    return nextStep(services, request, reply, pending, checked.client);
  };
  app.get('/auth/authorize', smart('public'), authorize);
  app.post('/auth/authorize', smart('public'), authorize);

  app.get(STYLESHEET_PATH, smart('public'), async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('Cache-Control', 'public, max-age=3600').send(STYLESHEET),
  );

  // Where each POST sends the browser (POST-redirect-GET): the next page of the same request.
  app.get('/auth/authorize/continue', smart('public'), async (request, reply) => {
    const services = runtime.services;
    pageHeaders(reply);
    const id = (request.query as { request?: string }).request;
    const pending = typeof id === 'string' ? await findPending(services.db, id) : undefined;
    if (!pending || !sameBrowser(request, pending)) return expired(reply);
    const client = await findClient(services.db, pending.clientId);
    if (!client || client.revokedAt) return expired(reply);
    return nextStep(services, request, reply, pending, client);
  });

  // Signing out ends the session, and with it every online_access grant that lived with it.
  app.post('/auth/logout', smart('public'), async (request, reply) => {
    const services = runtime.services;
    pageHeaders(reply);
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== new URL(services.config.baseUrl).origin) return expired(reply, 403);
    const sessionId = readCookie(request, SESSION_COOKIE);
    if (sessionId) await endSession(services.db, sha256(sessionId));
    setCookie(reply, SESSION_COOKIE, 'signed-out-signed-out-x', { secure: secure(), maxAge: 0 });
    return reply.type('text/html; charset=utf-8').send(errorPage('Signed out', 'You are signed out of Haven.'));
  });

  app.post('/auth/authorize/login', smart('public'), async (request, reply) => {
    const services = runtime.services;
    pageHeaders(reply);
    const form = await loadForm(services, request);
    if (!form) return expired(reply, 403);
    const { pending, client, body } = form;
    const username = (body.get('username') ?? '').trim();
    const password = body.get('password') ?? '';
    const keys = [userKey(username), addressKey(request.ip)];
    const wait = await retryAfter(services.db, keys);
    if (wait > 0) {
      await auditOAuth(services.db, request, { event: 'oauth-login', ok: false, description: 'sign-in refused: too many failed attempts', username, clientId: client.clientId });
      return reply
        .code(429)
        .header('Retry-After', String(wait))
        .type('text/html; charset=utf-8')
        .send(loginPage(handleOf(pending), client.clientName, `Too many failed sign-ins. Try again in ${wait} seconds.`));
    }
    const user = username ? await findUser(services.db, username) : undefined;
    // Unknown users cost a hash too, so the answer's timing does not tell which usernames exist.
    const verification = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    if (!user || !verification.ok || user.disabledAt) {
      await recordFailure(services.db, keys[0], PER_USER);
      await recordFailure(services.db, keys[1], PER_ADDRESS);
      const why = !user ? 'unknown username' : !verification.ok ? 'wrong password' : 'user disabled';
      await auditOAuth(services.db, request, { event: 'oauth-login', ok: false, description: `sign-in failed: ${why}`, username, clientId: client.clientId });
      return reply.code(401).type('text/html; charset=utf-8').send(loginPage(handleOf(pending), client.clientName, 'The username or password is not right.'));
    }
    if (verification.needsRehash) await storeHash(services.db, user.username, await hashPassword(password));
    await clearFailures(services.db, keys[0]);
    // A new session id at every login (no fixation).
    const sessionId = newSecret();
    await createSession(services.db, sha256(sessionId), user.username);
    setCookie(reply, SESSION_COOKIE, sessionId, { secure: secure(), maxAge: SESSION_TTL_SECONDS });
    await signInPending(services.db, pending.id, user.username, sha256(sessionId));
    await auditOAuth(services.db, request, { event: 'oauth-login', ok: true, description: 'signed in', username: user.username, fhirUser: user.fhirUser, clientId: client.clientId });
    return reply.redirect(`/auth/authorize/continue?request=${encodeURIComponent(pending.id)}`, 303);
  });

  app.post('/auth/authorize/patient', smart('public'), async (request, reply) => {
    const services = runtime.services;
    pageHeaders(reply);
    const form = await loadForm(services, request);
    if (!form) return expired(reply, 403);
    const { pending, client, body } = form;
    const user = await signedInUser(services, pending);
    if (!user) return reply.redirect(`/auth/authorize/continue?request=${encodeURIComponent(pending.id)}`, 303);
    const chosen = body.get('patient') ?? '';
    // The posted value is checked again: the picker only listed reachable patients, but a form can say anything.
    const reachable = chosen ? await mayReach(services, user.fhirUser, chosen) : undefined;
    if (!reachable) return deny(services, request, reply, pending, client, new Denied('access_denied', 'That patient is not one you may open'));
    await choosePatient(services.db, pending.id, chosen);
    return reply.redirect(`/auth/authorize/continue?request=${encodeURIComponent(pending.id)}`, 303);
  });

  app.post('/auth/authorize/consent', smart('public'), async (request, reply) => {
    const services = runtime.services;
    pageHeaders(reply);
    const form = await loadForm(services, request);
    if (!form) return expired(reply, 403);
    const { pending, client, body } = form;
    const user = await signedInUser(services, pending);
    if (!user) return reply.redirect(`/auth/authorize/continue?request=${encodeURIComponent(pending.id)}`, 303);
    try {
      const decision = body.get('decision');
      if (decision !== 'allow') throw new Denied('access_denied', 'The person did not allow access');
      const { offered, patient } = await context(services, pending, client, user);
      if (patient === undefined && needsPatient(offered)) throw new Denied('access_denied', 'No patient chosen');
      const granted = approvedScopes(offered, body.getAll('scope'));
      if (!granted.length) throw new Denied('access_denied', 'The person allowed none of the requested access');
      if (!(await finishPending(services.db, pending.id))) return expired(reply);
      const session = pending.sessionHash ? await findSession(services.db, pending.sessionHash) : undefined;
      const code = newSecret();
      const grantId = await createGrantWithCode(
        services.db,
        {
          clientId: client.clientId,
          username: user.username,
          scope: granted.join(' '),
          ...(patient ? { patient } : {}),
          ...(pending.launchEncounter ? { encounter: pending.launchEncounter } : {}),
          ...(granted.includes('online_access') && pending.sessionHash ? { sessionHash: pending.sessionHash } : {}),
          authTime: session?.authTime ?? new Date(),
        },
        { hash: sha256(code), redirectUri: pending.redirectUri, codeChallenge: pending.codeChallenge, ...(pending.nonce ? { nonce: pending.nonce } : {}) },
      );
      await auditOAuth(services.db, request, {
        event: 'oauth-authorize',
        ok: true,
        description: `authorization code issued (grant ${grantId}) for ${granted.join(' ')}`,
        clientId: client.clientId,
        username: user.username,
        fhirUser: user.fhirUser,
        ...(patient ? { patient } : {}),
      });
      return reply.redirect(redirectTo(pending.redirectUri, { code, state: pending.state }), 302);
    } catch (error) {
      if (error instanceof Denied) return deny(services, request, reply, pending, client, error);
      throw error;
    }
  });
}

/** The headers of every sign-in page: never framed, never cached, no script at all. */
function pageHeaders(reply: FastifyReply, formTarget?: string): void {
  reply
    .header('Content-Security-Policy', `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'${formTarget ? ' ' + formTarget : ''}; frame-ancestors 'none'; base-uri 'none'`)
    .header('X-Frame-Options', 'DENY')
    .header('X-Content-Type-Options', 'nosniff')
    // same-origin, not no-referrer: with no-referrer browsers post forms with "Origin: null".
    .header('Referrer-Policy', 'same-origin')
    .header('Cache-Control', 'no-store')
    .header('Pragma', 'no-cache');
}

function handleOf(pending: PendingRequest): { request: string; csrf: string } {
  return { request: pending.id, csrf: pending.csrfToken };
}

function sameBrowser(request: FastifyRequest, pending: PendingRequest): boolean {
  const browser = readCookie(request, BROWSER_COOKIE);
  return browser !== undefined && equalSecrets(sha256(browser), pending.browserHash);
}

function expired(reply: FastifyReply, status = 400) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(errorPage('This sign-in has expired', 'The sign-in could not be continued: it expired, was finished already, or was started in another browser.'));
}

/** A posted form of a pending request: CSRF token, browser binding and Origin all checked. */
async function loadForm(services: Services, request: FastifyRequest): Promise<{ pending: PendingRequest; client: ClientRecord; body: URLSearchParams } | undefined> {
  if (!(request.body instanceof URLSearchParams)) return undefined;
  const body = request.body;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== new URL(services.config.baseUrl).origin) return undefined;
  const id = body.get('request');
  const csrf = body.get('csrf');
  if (!id || !csrf) return undefined;
  const pending = await findPending(services.db, id);
  if (!pending || !equalSecrets(Buffer.from(csrf), Buffer.from(pending.csrfToken)) || !sameBrowser(request, pending)) return undefined;
  const client = await findClient(services.db, pending.clientId);
  if (!client || client.revokedAt) return undefined;
  return { pending, client, body };
}

/** The signed-in person of a pending request, while their session and account are valid. */
async function signedInUser(services: Services, pending: PendingRequest): Promise<UserRecord | undefined> {
  if (!pending.username || !pending.sessionHash) return undefined;
  if (!(await findSession(services.db, pending.sessionHash))) return undefined;
  const user = await findUser(services.db, pending.username);
  return user && !user.disabledAt ? user : undefined;
}

/** What may be granted and for which patient, from the request and the signed-in person. */
async function context(
  services: Services,
  pending: PendingRequest,
  client: ClientRecord,
  user: UserRecord,
): Promise<{ offered: string[]; patient?: string; pickPatient?: boolean }> {
  const kind = user.fhirUser.split('/')[0] as IdentityKind;
  const { grantable } = offerScopes(pending.scope, client.scope, kind, services.validator.resourceTypes, services.search);
  if (!grantable.length) throw new Denied('invalid_scope', 'None of the requested scopes may be granted to this app for this person');
  const asked = pending.scope.split(' ');
  const wantsPatient = needsPatient(grantable) || asked.includes('launch/patient') || pending.launchPatient !== undefined;
  if (pending.launchPatient) {
    // EHR launch: the patient comes from the launch handle, and this person must be allowed to open it.
    if (!(await mayReach(services, user.fhirUser, pending.launchPatient))) throw new Denied('access_denied', 'You may not open the patient of this launch');
    return { offered: grantable, patient: pending.launchPatient };
  }
  if (kind === 'Patient') return { offered: grantable, patient: user.fhirUser.slice('Patient/'.length) };
  if (!wantsPatient) return { offered: grantable };
  if (pending.patient && (await mayReach(services, user.fhirUser, pending.patient))) return { offered: grantable, patient: pending.patient };
  return { offered: grantable, pickPatient: true };
}

async function nextStep(services: Services, request: FastifyRequest, reply: FastifyReply, pending: PendingRequest, client: ClientRecord) {
  // Pages of a request may end in a redirect to the app (allow, deny): the form may go there.
  pageHeaders(reply, new URL(pending.redirectUri).origin);
  const user = await signedInUser(services, pending);
  if (!user) return reply.type('text/html; charset=utf-8').send(loginPage(handleOf(pending), client.clientName));
  try {
    const { offered, patient, pickPatient } = await context(services, pending, client, user);
    if (pickPatient) {
      const patients = await reachablePatients(services, user.fhirUser);
      if (!patients.length) throw new Denied('access_denied', 'There is no patient you may open');
      return reply.type('text/html; charset=utf-8').send(patientPage(handleOf(pending), client.clientName, patients));
    }
    const patientName = patient ? (await mayReach(services, user.fhirUser, patient))?.name : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .send(consentPage(handleOf(pending), { name: client.clientName, redirectHost: new URL(pending.redirectUri).host }, { fhirUser: user.fhirUser, ...(patientName ? { patientName } : {}) }, offered));
  } catch (error) {
    if (error instanceof Denied) return deny(services, request, reply, pending, client, error);
    throw error;
  }
}

async function deny(services: Services, request: FastifyRequest, reply: FastifyReply, pending: PendingRequest, client: ClientRecord, error: Denied) {
  await finishPending(services.db, pending.id);
  await auditOAuth(services.db, request, { event: 'oauth-authorize', ok: false, description: `${error.code}: ${error.message}`, clientId: client.clientId, ...(pending.username ? { username: pending.username } : {}) });
  return reply.redirect(redirectTo(pending.redirectUri, { error: error.code, error_description: error.message, state: pending.state }), 302);
}
