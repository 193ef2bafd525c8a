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
import { checkAuthorizeRequest, RedirectedError, redirectTo, requestParams, UntrustedRequest, type AuthorizeErrorCode } from './authorize-request.js';
import { BROWSER_COOKIE, readCookie, SESSION_COOKIE, setCookie } from './cookies.js';
import { consentPage, errorPage, loginPage, patientPage, STYLESHEET, STYLESHEET_PATH } from './pages.js';
import { dummyPasswordHash, hashPassword, verifyPassword } from './password.js';
import { mayReach, reachablePatients, type PickerActor } from './patients.js';
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
} from '../store/oauth/state.js';
import { addressKey, clearFailures, PER_ADDRESS, PER_USER, recordFailure, retryAfter, userKey } from '../store/oauth/throttle.js';
import { findUser, storeHash, USERNAME, type UserRecord } from './users.js';

/**
 * A pending request's id as newSecret() makes it. Anything else is no pending request, and is not
 * sent to the database (a NUL there is an error, which would answer 500).
 */
const HANDLE = /^[A-Za-z0-9_-]{20,100}$/;

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
      return reply.redirect(
        redirectTo(checked.redirectUri, { error: code, error_description: 'Haven needs to show a page to the person', state: checked.state }),
        302,
      );
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
    const pending = typeof id === 'string' && HANDLE.test(id) ? await findPending(services.db, id) : undefined;
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

  /** A POST of one of a pending request's pages: its form checked (CSRF, browser, Origin) first. */
  const formRoute = (url: string, handler: (step: FormStep) => Promise<unknown>) =>
    app.post(url, smart('public'), async (request, reply) => {
      const services = runtime.services;
      pageHeaders(reply);
      const form = await loadForm(services, request);
      if (!form) return expired(reply, 403);
      return handler({ services, request, reply, ...form });
    });

  /**
   * A POST of a page after the login (patient picker, consent): without a valid session the
   * browser is sent back to the request's next page (the login); a Denied step sends it to the app.
   */
  const signedInRoute = (url: string, handler: (step: FormStep, user: UserRecord) => Promise<unknown>) =>
    formRoute(url, async (step) => {
      const user = await signedInUser(step.services, step.pending);
      if (!user) return continueWith(step.reply, step.pending);
      try {
        return await handler(step, user);
      } catch (error) {
        if (error instanceof Denied) return deny(step.services, step.request, step.reply, step.pending, step.client, error);
        throw error;
      }
    });

  formRoute('/auth/authorize/login', async ({ services, request, reply, pending, client, body }) => {
    const username = (body.get('username') ?? '').trim();
    const password = body.get('password') ?? '';
    // A name no login can have (too long, other characters, NUL) is an unknown user, never looked
    // up, audited or counted under its own key: PostgreSQL could not index or store it (a 500).
    const named = USERNAME.test(username) ? username : undefined;
    const keys = [...(named ? [userKey(named)] : []), addressKey(request.ip)];
    const wait = await retryAfter(services.db, keys);
    if (wait > 0) {
      await auditOAuth(services.db, request, {
        event: 'oauth-login',
        ok: false,
        description: 'sign-in refused: too many failed attempts',
        username: named,
        clientId: client.clientId,
      });
      return reply
        .code(429)
        .header('Retry-After', String(wait))
        .type('text/html; charset=utf-8')
        .send(loginPage(handleOf(pending), client.clientName, `Too many failed sign-ins. Try again in ${wait} seconds.`));
    }
    const user = named ? await findUser(services.db, named) : undefined;
    let verification;
    try {
      // Unknown users cost a hash too, so the answer's timing does not tell which usernames exist.
      verification = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
    } catch (error) {
      // scrypt could not run (its 128 MiB not to be had): the server is short of memory, not the
      // person wrong. Nothing is counted against them; they may try again shortly.
      request.log.error({ err: error }, 'a password could not be checked');
      return reply
        .code(503)
        .header('Retry-After', '5')
        .type('text/html; charset=utf-8')
        .send(loginPage(handleOf(pending), client.clientName, 'Haven is too busy to check the password just now. Try again in a few seconds.'));
    }
    if (!user || !verification.ok || user.disabledAt) {
      if (named) await recordFailure(services.db, userKey(named), PER_USER);
      await recordFailure(services.db, addressKey(request.ip), PER_ADDRESS);
      const why = !user ? 'unknown username' : !verification.ok ? 'wrong password' : 'user disabled';
      await auditOAuth(services.db, request, {
        event: 'oauth-login',
        ok: false,
        description: `sign-in failed: ${why}`,
        username: named,
        clientId: client.clientId,
      });
      return reply
        .code(401)
        .type('text/html; charset=utf-8')
        .send(loginPage(handleOf(pending), client.clientName, 'The username or password is not right.'));
    }
    // A rehash with today's cost is worth having, not worth failing the sign-in for.
    if (verification.needsRehash) {
      await hashPassword(password)
        .then((hash) => storeHash(services.db, user.username, hash))
        .catch((error) => request.log.error({ err: error }, 'a password could not be rehashed'));
    }
    await clearFailures(services.db, userKey(user.username));
    // A new session id at every login (no fixation).
    const sessionId = newSecret();
    await createSession(services.db, sha256(sessionId), user.username);
    setCookie(reply, SESSION_COOKIE, sessionId, { secure: secure(), maxAge: SESSION_TTL_SECONDS });
    await signInPending(services.db, pending.id, user.username, sha256(sessionId));
    await auditOAuth(services.db, request, {
      event: 'oauth-login',
      ok: true,
      description: 'signed in',
      username: user.username,
      fhirUser: user.fhirUser,
      clientId: client.clientId,
    });
    return continueWith(reply, pending);
  });

  signedInRoute('/auth/authorize/patient', async ({ services, request, reply, pending, client, body }, user) => {
    const chosen = body.get('patient') ?? '';
    // The posted value is checked again: the picker only listed reachable patients, but a form can say anything.
    const reachable = chosen ? await mayReach(services, pickerActor(request, user, client), chosen) : undefined;
    if (!reachable) throw new Denied('access_denied', 'That patient is not one you may open');
    await choosePatient(services.db, pending.id, chosen);
    return continueWith(reply, pending);
  });

  signedInRoute('/auth/authorize/consent', async ({ services, request, reply, pending, client, body }, user) => {
    const decision = body.get('decision');
    if (decision !== 'allow') throw new Denied('access_denied', 'The person did not allow access');
    const { offered, patient } = await context(services, request, pending, client, user);
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
  });
}

/** A checked form post of a pending request, as the page handlers receive it. */
interface FormStep {
  services: Services;
  request: FastifyRequest;
  reply: FastifyReply;
  pending: PendingRequest;
  client: ClientRecord;
  body: URLSearchParams;
}

/** POST-redirect-GET: the browser goes on to the next page of the same request. */
function continueWith(reply: FastifyReply, pending: PendingRequest) {
  return reply.redirect(`/auth/authorize/continue?request=${encodeURIComponent(pending.id)}`, 303);
}

/** The headers of every sign-in page: never framed, never cached, no script at all. */
function pageHeaders(reply: FastifyReply, formTarget?: string): void {
  reply
    .header(
      'Content-Security-Policy',
      `default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'${formTarget ? ' ' + formTarget : ''}; frame-ancestors 'none'; base-uri 'none'`,
    )
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
async function loadForm(
  services: Services,
  request: FastifyRequest,
): Promise<{ pending: PendingRequest; client: ClientRecord; body: URLSearchParams } | undefined> {
  if (!(request.body instanceof URLSearchParams)) return undefined;
  const body = request.body;
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== new URL(services.config.baseUrl).origin) return undefined;
  const id = body.get('request');
  const csrf = body.get('csrf');
  if (!id || !csrf || !HANDLE.test(id)) return undefined;
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
/** Who reads the patient list or a patient: the signed-in person, for the app being authorized. */
function pickerActor(request: FastifyRequest, user: UserRecord, client: ClientRecord): PickerActor {
  return { requestId: request.id, sourceAddress: request.ip, subject: user.username, fhirUser: user.fhirUser, clientId: client.clientId };
}

async function context(
  services: Services,
  request: FastifyRequest,
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
    if (!(await mayReach(services, pickerActor(request, user, client), pending.launchPatient)))
      throw new Denied('access_denied', 'You may not open the patient of this launch');
    return { offered: grantable, patient: pending.launchPatient };
  }
  if (kind === 'Patient') return { offered: grantable, patient: user.fhirUser.slice('Patient/'.length) };
  if (!wantsPatient) return { offered: grantable };
  if (pending.patient && (await mayReach(services, pickerActor(request, user, client), pending.patient)))
    return { offered: grantable, patient: pending.patient };
  return { offered: grantable, pickPatient: true };
}

async function nextStep(services: Services, request: FastifyRequest, reply: FastifyReply, pending: PendingRequest, client: ClientRecord) {
  // Pages of a request may end in a redirect to the app (allow, deny): the form may go there.
  pageHeaders(reply, new URL(pending.redirectUri).origin);
  const user = await signedInUser(services, pending);
  if (!user) return reply.type('text/html; charset=utf-8').send(loginPage(handleOf(pending), client.clientName));
  try {
    const { offered, patient, pickPatient } = await context(services, request, pending, client, user);
    if (pickPatient) {
      const patients = await reachablePatients(services, pickerActor(request, user, client));
      if (!patients.length) throw new Denied('access_denied', 'There is no patient you may open');
      return reply.type('text/html; charset=utf-8').send(patientPage(handleOf(pending), client.clientName, patients));
    }
    const patientName = patient ? (await mayReach(services, pickerActor(request, user, client), patient))?.name : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        consentPage(
          handleOf(pending),
          { name: client.clientName, redirectHost: new URL(pending.redirectUri).host },
          { fhirUser: user.fhirUser, ...(patientName ? { patientName } : {}) },
          offered,
        ),
      );
  } catch (error) {
    if (error instanceof Denied) return deny(services, request, reply, pending, client, error);
    throw error;
  }
}

async function deny(services: Services, request: FastifyRequest, reply: FastifyReply, pending: PendingRequest, client: ClientRecord, error: Denied) {
  await finishPending(services.db, pending.id);
  await auditOAuth(services.db, request, {
    event: 'oauth-authorize',
    ok: false,
    description: `${error.code}: ${error.message}`,
    clientId: client.clientId,
    ...(pending.username ? { username: pending.username } : {}),
  });
  return reply.redirect(redirectTo(pending.redirectUri, { error: error.code, error_description: error.message, state: pending.state }), 302);
}
