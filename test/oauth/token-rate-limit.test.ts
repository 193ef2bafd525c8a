// The token endpoint's per-address limit counts each grant type on its own: backend-service
// assertions keep TOKEN_RATE_LIMIT, while the code exchanges and refreshes of a clinic's signed-in
// apps (many people, one address) get twenty times as many. Public apps may call it cross-origin.
import t from 'tap';
import { testApp } from '../helpers/app.js';

t.test('token rate limits per grant type, CORS for browser apps', async (t) => {
  const app = await testApp(t, { TOKEN_RATE_LIMIT: '2' });
  const post = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    app.app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: new URLSearchParams(form).toString(),
    });
  const backend = {
    grant_type: 'client_credentials',
    scope: 'system/*.rs',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: 'x.y.z',
  };
  const statuses = [];
  for (let i = 0; i < 3; i++) statuses.push((await post(backend)).statusCode);
  t.equal(statuses[2], 429, 'the third assertion in a minute is refused');
  const codes = [];
  for (let i = 0; i < 10; i++)
    codes.push(
      (await post({ grant_type: 'authorization_code', code: 'BAD', redirect_uri: 'http://localhost/cb', code_verifier: 'v'.repeat(43), client_id: 'nobody' }))
        .statusCode,
    );
  t.notOk(codes.includes(429), 'ten code exchanges from the same address are not limited');
  const cors = await post({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'nobody' }, { origin: 'https://app.example' });
  t.equal(cors.headers['access-control-allow-origin'], '*', 'a public browser app reads the answer');
  t.equal(cors.headers['cache-control'], 'no-store');
});
