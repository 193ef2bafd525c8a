// Configuration from the environment: defaults, parsing, and clear errors.
import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

t.test('defaults match the contract', async (t) => {
  const config = loadConfig({});
  t.equal(config.host, '127.0.0.1');
  t.equal(config.port, 8080);
  t.equal(config.baseUrl, 'http://127.0.0.1:8080');
  t.equal(config.fhirBaseUrl, 'http://127.0.0.1:8080/fhir');
  t.equal(config.databaseUrl, undefined);
  t.match(config.dataDir, /\/data$/);
  t.equal(config.bodyLimit, 16 * 1024 * 1024);
  t.equal(config.defaultTimeZone, 'UTC');
});

t.test('BASE_URL sets the public address, without a trailing slash', async (t) => {
  t.equal(loadConfig({ BASE_URL: 'https://haven.example/' }).fhirBaseUrl, 'https://haven.example/fhir');
  t.equal(loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).baseUrl, 'http://0.0.0.0:9000');
});

t.test('bad values are refused with a message naming the variable', async (t) => {
  t.throws(() => loadConfig({ PORT: 'eighty' }), { name: 'ConfigError', message: /PORT/ });
  t.ok(
    (() => {
      try {
        loadConfig({ PORT: 'x' });
      } catch (e) {
        return e instanceof ConfigError;
      }
    })(),
  );
  t.throws(() => loadConfig({ PORT: '70000' }), /PORT/);
  t.throws(() => loadConfig({ BASE_URL: 'ftp://x' }), /BASE_URL/);
  t.throws(() => loadConfig({ TZ_DEFAULT: 'Mars/Olympus' }), /TZ_DEFAULT/);
  t.throws(() => loadConfig({ SEARCH_DEFAULT_COUNT: '500', SEARCH_MAX_COUNT: '100' }), /SEARCH_DEFAULT_COUNT/);
});
