// Real data stored exactly as sent (issue 13): a Synthea-shaped transaction, written here, reads
// back byte for byte: decimals keep their text (105.00, 1.0, 0.0, 17 digits), strings that happen
// to equal a fullUrl stay as they are, and only Reference.reference and uri-typed elements are
// rewritten to the ids the server assigned.
import t from 'tap';
import { testApp } from '../helpers/app.js';

const uuid = (n: number) => `urn:uuid:${String(n).padStart(8, '0')}-7c1e-4b7a-9d3e-5f0a1b2c3d4e`;
const PATIENT = uuid(1);
const ENCOUNTER = uuid(2);
const REPORT = uuid(3);
const DOCUMENT = uuid(4);
const OBSERVATION = uuid(5);
const DEVICE = uuid(6);

/** Resources as JSON text, exactly as a client would send them (decimals written out). */
const RESOURCES: Record<string, string> = {
  [PATIENT]:
    '{"resourceType":"Patient","identifier":[{"system":"https://github.com/synthetichealth/synthea","value":"' +
    PATIENT +
    '"}],"name":[{"use":"official","text":"Ana\u00a0María Rivera","family":"Rivera","given":["Ana\u2009María"]}],"gender":"female","birthDate":"1970-03-04",' +
    '"extension":[{"url":"http://synthetichealth.github.io/synthea/disability-adjusted-life-years","valueDecimal":1.0},' +
    '{"url":"http://synthetichealth.github.io/synthea/quality-adjusted-life-years","valueDecimal":49.12345678901234567}]}',
  [ENCOUNTER]:
    '{"resourceType":"Encounter","status":"finished","class":{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"AMB"},' +
    '"type":[{"text":"' +
    PATIENT +
    '"}],"subject":{"reference":"' +
    PATIENT +
    '","display":"' +
    PATIENT +
    '"}}',
  [OBSERVATION]:
    '{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"29463-7"}],"text":"Body Weight"},' +
    '"subject":{"reference":"' +
    PATIENT +
    '"},"encounter":{"reference":"' +
    ENCOUNTER +
    '"},"effectiveDateTime":"2020-01-01T10:00:00+00:00",' +
    '"valueQuantity":{"value":105.00,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"},' +
    '"component":[{"code":{"text":"a"},"valueQuantity":{"value":0.0,"unit":"1"}},{"code":{"text":"b"},"valueQuantity":{"value":1.00}},' +
    '{"code":{"text":"c"},"valueQuantity":{"value":0.010}},{"code":{"text":"d"},"valueQuantity":{"value":12345678901234567}},' +
    '{"code":{"text":"e"},"valueQuantity":{"value":1.5E3}},{"code":{"text":"f"},"valueString":"' +
    REPORT +
    '"}],' +
    '"note":[{"text":"' +
    DOCUMENT +
    '"}]}',
  [REPORT]:
    '{"resourceType":"DiagnosticReport","status":"final","code":{"text":"' +
    OBSERVATION +
    '"},"subject":{"reference":"' +
    PATIENT +
    '"},' +
    '"result":[{"reference":"' +
    OBSERVATION +
    '"}],"text":{"status":"generated","div":"<div xmlns=\\"http://www.w3.org/1999/xhtml\\"><a href=\\"' +
    OBSERVATION +
    '\\">result</a></div>"}}',
  [DOCUMENT]:
    '{"resourceType":"DocumentReference","status":"current","identifier":[{"system":"urn:ietf:rfc:3986","value":"' +
    REPORT +
    '"}],' +
    '"subject":{"reference":"' +
    PATIENT +
    '"},"content":[{"attachment":{"contentType":"text/plain","url":"' +
    REPORT +
    '","title":"' +
    REPORT +
    '"}}],' +
    '"context":{"related":[{"reference":"' +
    REPORT +
    '"}]},' +
    '"extension":[{"url":"http://example.org/source","valueUri":"' +
    DEVICE +
    '"},{"url":"http://example.org/label","valueString":"' +
    DEVICE +
    '"}]}',
  [DEVICE]: '{"resourceType":"Device","status":"active","distinctIdentifier":"' + DEVICE + '","note":[{"text":"weight 72.50 kg"}]}',
};

t.test('a Synthea-shaped transaction reads back byte for byte, decimals and look-alike strings included', async (t) => {
  const app = await testApp(t);
  const entries = Object.entries(RESOURCES).map(
    ([fullUrl, text]) => `{"fullUrl":"${fullUrl}","resource":${text},"request":{"method":"POST","url":"${JSON.parse(text).resourceType}"}}`,
  );
  const body = `{"resourceType":"Bundle","type":"transaction","entry":[${entries.join(',')}]}`;
  const res = await app.fhir('POST', '', body);
  t.equal(res.status, 200, res.body.slice(0, 500));
  const assigned = new Map<string, string>();
  Object.keys(RESOURCES).forEach((fullUrl, i) => assigned.set(fullUrl, res.json.entry[i].response.location.replace(/\/_history\/\d+$/, '')));

  for (const [fullUrl, sent] of Object.entries(RESOURCES)) {
    const location = assigned.get(fullUrl) as string;
    const read = await app.fhir('GET', location);
    t.equal(read.status, 200);
    // What a transaction may change: Reference.reference, uri elements, narrative links.
    let expected = sent;
    for (const [url, target] of assigned) {
      expected = expected
        .split(`"reference":"${url}"`)
        .join(`"reference":"${target}"`)
        .split(`"valueUri":"${url}"`)
        .join(`"valueUri":"${target}"`)
        .split(`"url":"${url}"`)
        .join(`"url":"${target}"`)
        .split(`href=\\"${url}\\"`)
        .join(`href=\\"${target}\\"`);
    }
    const served = read.body.replace(/^(\{"resourceType":"[A-Za-z]+"),"id":"[^"]+","meta":\{"versionId":"1","lastUpdated":"[^"]+"\}/, '$1');
    t.equal(served, expected, `${location} reads back as sent`);
  }

  const observation = assigned.get(OBSERVATION) as string;
  const obs = await app.fhir('GET', observation);
  t.match(obs.body, '"value":105.00,', '105.00 stays 105.00');
  t.match(obs.body, '"value":0.010}', '0.010 is not 0.01');
  t.match(obs.body, '"value":12345678901234567}', 'no digit lost');
  const document = await app.fhir('GET', assigned.get(DOCUMENT) as string);
  t.equal(document.json.identifier[0].value, REPORT, 'an Identifier.value equal to a fullUrl is data, not a reference');
  t.equal(document.json.context.related[0].reference, assigned.get(REPORT));
  t.equal(document.json.extension[0].valueUri, assigned.get(DEVICE), 'a valueUri is a uri: rewritten');
  t.equal(document.json.extension[1].valueString, DEVICE, 'a valueString is not');

  t.test('the decimals are searched on their value', async (t) => {
    for (const query of ['value-quantity=105', 'value-quantity=105.00', 'value-quantity=gt104.5', 'component-value-quantity=0.010']) {
      const found = await app.fhir('GET', `Observation?${query}`);
      t.equal(found.status, 200, query);
      t.equal(found.json.entry?.length, 1, query);
    }
    const none = await app.fhir('GET', 'Observation?value-quantity=106');
    t.equal(none.json.entry, undefined);
  });

  t.test('PATCH, _pretty and _summary keep the decimals', async (t) => {
    const patched = await app.fhir('PATCH', observation, [{ op: 'replace', path: '/status', value: 'amended' }]);
    t.equal(patched.status, 200, patched.body.slice(0, 300));
    const after = await app.fhir('GET', observation);
    t.match(after.body, '"value":105.00,');
    t.match(after.body, '"value":1.5E3}');
    const pretty = await app.fhir('GET', `${observation}?_pretty=true`);
    t.match(pretty.body, '"value": 105.00,');
    const elements = await app.fhir('GET', `${observation}?_elements=valueQuantity`);
    t.match(elements.body, '"value":105.00,');
    const search = await app.fhir('GET', 'Observation?value-quantity=105');
    t.match(search.body, '"value":105.00,', 'a search answer serves the stored text');
  });

  t.test('an update keeps the decimals too', async (t) => {
    const id = observation.split('/')[1];
    const text = RESOURCES[OBSERVATION].replace('{"resourceType":"Observation",', `{"resourceType":"Observation","id":"${id}",`)
      .split(`"${PATIENT}"`)
      .join(`"${assigned.get(PATIENT)}"`)
      .split(`"${ENCOUNTER}"`)
      .join(`"${assigned.get(ENCOUNTER)}"`)
      .replace('"value":105.00', '"value":105.10');
    const put = await app.fhir('PUT', observation, text);
    t.equal(put.status, 200, put.body.slice(0, 300));
    t.match(put.body, '"value":105.10,', 'the answer too');
    t.match((await app.fhir('GET', observation)).body, '"value":105.10,');
  });
});
