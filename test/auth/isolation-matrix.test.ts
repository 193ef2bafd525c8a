// The isolation matrix of issue 5 ("must show"): a patient/*.rs token for patient A, with data of
// patients A and B loaded, tries every read path (read, vread, the three history levels, search
// with _include, _revinclude, :iterate, chains, _has, _summary=count, _total, _elements, POST
// _search, compartment search, batch and transaction GETs, the AuditEvent view, conditional reads,
// HEAD) and never receives anything of B: no id, no name, not even a count.
//
// Two kinds of probe:
// - paths that do not name B: no answer body or header contains any of B's ids or B's name;
// - paths that name B (an id, the name): the answer equals, byte for byte once the named value is
//   swapped, the answer to the same path naming something that does not exist.
import t, { type Test } from 'tap';
import { testApp, type FhirClient, type FhirResponse, type TestApp } from '../helpers/app.js';

/** Everything of B carries "qxb" in its id or "Quixotebright" in its text: the leak detector. */
const LEAK = /qxb|Quixotebright/i;
/** Stand-ins of the same length that name nothing stored. */
const STAND_INS: Array<[string, string]> = [
  ['qxb', 'nnn'],
  ['Quixotebright', 'Nobodyatallxx'],
];
const CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const BASE = 'http://haven.test/fhir/';

/** The clinical record of one patient: `p` is the id prefix, `name` goes into every text. */
function record(p: string, patient: string, name: string): Array<Record<string, unknown>> {
  const subject = { reference: `Patient/${patient}` };
  const text = (what: string) => `${what} of ${name}`;
  return [
    { resourceType: 'Patient', id: patient, name: [{ family: name, given: ['Pat'] }], gender: 'other', birthDate: '1990-01-01' },
    {
      resourceType: 'Observation',
      id: `${p}-vital`,
      status: 'final',
      category: [{ coding: [{ system: CATEGORY, code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }], text: text('heart rate') },
      subject,
      performer: [{ reference: 'Practitioner/shared-doc' }],
      valueQuantity: { value: 70, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    },
    {
      resourceType: 'Observation',
      id: `${p}-mood`,
      status: 'final',
      category: [{ coding: [{ system: CATEGORY, code: 'survey' }] }],
      code: { text: text('mood') },
      subject,
      valueInteger: 6,
    },
    { resourceType: 'QuestionnaireResponse', id: `${p}-phq9`, status: 'completed', subject, author: subject, item: [{ linkId: '1', text: text('item') }] },
    {
      resourceType: 'MedicationRequest',
      id: `${p}-med`,
      status: 'active',
      intent: 'order',
      medicationCodeableConcept: { text: text('sertraline') },
      subject,
    },
    { resourceType: 'CarePlan', id: `${p}-plan`, status: 'active', intent: 'plan', title: text('plan'), subject },
    { resourceType: 'Flag', id: `${p}-flag`, status: 'active', code: { text: text('risk') }, subject },
    {
      resourceType: 'Encounter',
      id: `${p}-enc`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      subject,
    },
    { resourceType: 'Condition', id: `${p}-cond`, code: { text: text('depression') }, subject },
    { resourceType: 'Goal', id: `${p}-goal`, lifecycleStatus: 'active', description: { text: text('sleep') }, subject },
  ];
}

async function put(app: TestApp, resource: Record<string, unknown>): Promise<void> {
  const res = await app.fhir('PUT', `${resource.resourceType}/${resource.id}`, resource);
  if (res.status >= 300) throw new Error(`${resource.resourceType}/${resource.id}: ${res.body}`);
}

const A_RECORD = record('a', 'pat-a', 'Ashford');
const B_RECORD = record('qxb', 'qxb-pat', 'Quixotebright');

/** The parts of an answer that must not differ between naming B and naming nothing. */
function comparable(res: FhirResponse): string {
  let json = res.json as Record<string, unknown> | undefined;
  if (json && json.resourceType === 'Bundle') {
    const { id: _id, meta: _meta, ...rest } = json;
    json = rest;
  }
  return JSON.stringify({ status: res.status, type: res.headers['content-type'], json: json ?? res.body });
}

/** The same path with every B value swapped for its stand-in. */
function standIn(text: string): string {
  return STAND_INS.reduce((s, [from, to]) => s.split(from).join(to), text);
}

function noLeak(t: Test, what: string, res: FhirResponse): void {
  t.notMatch(res.body, LEAK, `${what}: the body names nothing of B`);
  t.notMatch(JSON.stringify(res.headers), LEAK, `${what}: no header names B`);
  t.equal(res.status, 200, `${what}: answered (${res.body.slice(0, 160)})`);
}

/** Every page of a Bundle answer, following `next` links. */
async function pages(fhir: FhirClient, path: string, method: 'GET' | 'POST' = 'GET', form?: string): Promise<FhirResponse[]> {
  const first = await fhir(method, path, form, form ? { 'content-type': 'application/x-www-form-urlencoded' } : undefined);
  const all = [first];
  let next = first.json?.link?.find((l: { relation: string }) => l.relation === 'next')?.url as string | undefined;
  while (next && all.length < 50) {
    const page = await fhir('GET', next.replace(BASE, ''));
    all.push(page);
    next = page.json?.link?.find((l: { relation: string }) => l.relation === 'next')?.url;
  }
  return all;
}

t.test('isolation matrix: a token for patient A never receives anything of B', async (t) => {
  const app = await testApp(t);
  await put(app, { resourceType: 'Practitioner', id: 'shared-doc', name: [{ family: 'Doe' }] });
  for (const resource of [...A_RECORD, ...B_RECORD]) await put(app, resource);
  // B's history: a second version, a deleted resource, and B's data pointing at A's (derived-from,
  // focus), which _revinclude from A's side must not bring in.
  await put(app, { ...B_RECORD[1], valueQuantity: { value: 99, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } });
  await put(app, {
    resourceType: 'Observation',
    id: 'qxb-gone',
    status: 'final',
    code: { text: 'Quixotebright gone' },
    subject: { reference: 'Patient/qxb-pat' },
  });
  t.equal((await app.fhir('DELETE', 'Observation/qxb-gone')).status, 204);
  await put(app, {
    resourceType: 'Observation',
    id: 'qxb-derived',
    status: 'final',
    code: { text: 'Quixotebright derived' },
    subject: { reference: 'Patient/qxb-pat' },
    derivedFrom: [{ reference: 'Observation/a-vital' }],
    focus: [{ reference: 'Patient/pat-a' }],
  });
  // A CareTeam of B that lists A as a participant is in A's compartment too (R4: participant), so
  // A may see it: it is kept out of this matrix on purpose, as is any A resource naming B.
  // Reads of B by a backend service, so that the audit trail holds events about B.
  t.equal((await app.fhir('GET', 'Observation?subject=Patient/qxb-pat&_include=Observation:subject')).status, 200);
  t.equal((await app.fhir('GET', 'Observation/qxb-vital')).status, 200);

  // The care relationships to A alone: a CareTeam listing a Practitioner, a Consent for a relative.
  await put(app, {
    resourceType: 'CareTeam',
    id: 'team-a',
    status: 'active',
    subject: { reference: 'Patient/pat-a' },
    participant: [{ member: { reference: 'Practitioner/shared-doc' } }],
  });
  await put(app, {
    resourceType: 'Consent',
    id: 'consent-a',
    status: 'active',
    scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: 'Patient/pat-a' },
    provision: { type: 'permit', actor: [{ role: { text: 'family' }, reference: { reference: 'RelatedPerson/rel-a' } }] },
  });

  // Issue 20: a resource written by a confined token must not change who sees what. Tokens confined
  // to A try to open B's record to A's own Practitioner and relative with forged CareTeam subjects
  // and Consent patients (every form and write path: test/security/widening.test.ts); each is
  // refused, and the matrix below then shows those two tokens still see nothing of B.
  const forged = [
    'Patient/pat-a/../../Patient/qxb-pat',
    'http://other.example/fhir/Patient/qxb-pat',
    'Patient/qxb-pat/_history/1',
    `${BASE}Patient/qxb-pat`,
    '#x',
  ];
  const writers: Array<Record<string, string>> = [{ patient: 'pat-a' }, { fhirUser: 'Practitioner/shared-doc' }, { fhirUser: 'RelatedPerson/rel-a' }];
  for (const claims of writers) {
    const writer = app.as(await app.token(claims.patient ? 'patient/*.cruds' : 'user/*.cruds', claims));
    for (const reference of forged) {
      const contained = reference.startsWith('#') ? { contained: [{ resourceType: 'Patient', id: 'x' }] } : {};
      const team = await writer('POST', 'CareTeam', {
        resourceType: 'CareTeam',
        status: 'active',
        ...contained,
        subject: { reference },
        participant: [{ member: { reference: 'Practitioner/shared-doc' } }, { member: { reference: 'Patient/pat-a' } }],
      });
      t.ok(team.status >= 400 && team.status < 500, `${JSON.stringify(claims)}: a CareTeam about ${reference} is refused (${team.status})`);
      const consent = await writer('POST', 'Consent', {
        resourceType: 'Consent',
        status: 'active',
        ...contained,
        scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
        category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
        patient: { reference },
        provision: { type: 'permit', actor: [{ role: { text: 'family' }, reference: { reference: 'RelatedPerson/rel-a' } }] },
      });
      t.ok(consent.status >= 400 && consent.status < 500, `${JSON.stringify(claims)}: a Consent about ${reference} is refused (${consent.status})`);
    }
  }

  // The same matrix for each kind of token confined to A.
  const tokens: Array<[string, string, Record<string, string>]> = [
    ['patient/*.rs for A', 'patient/*.rs', { patient: 'pat-a' }],
    ['v1 patient/*.read for A', 'patient/*.read', { patient: 'pat-a' }],
    ['user/*.rs of Patient A', 'user/*.rs', { fhirUser: 'Patient/pat-a' }],
    ['user/*.rs of a Practitioner on A’s CareTeam', 'user/*.rs', { fhirUser: 'Practitioner/shared-doc' }],
    ['user/*.rs of a RelatedPerson with A’s Consent', 'user/*.rs', { fhirUser: 'http://haven.test/fhir/RelatedPerson/rel-a' }],
  ];
  for (const [label, scope, claims] of tokens) {
    t.test(label, async (t) => {
      const fhir = app.as(await app.token(scope, claims));
      await matrix(t, app, fhir, claims.fhirUser?.startsWith('Patient/') ? claims.fhirUser : undefined);
    });
  }
});

/** An AuditEvent entry of a searchset. */
interface AuditEntry {
  resource: { agent?: Array<{ who?: { reference?: string } }>; entity?: Array<{ query?: string; what?: { identifier?: unknown } }> };
}

/**
 * Events a searchset of AuditEvents shows, as comparable shapes: without what differs from event
 * to event (id, time, request id), sorted.
 */
function auditShapes(entries: AuditEntry[]): string[] {
  return entries
    .map(({ resource }) => {
      const { id: _id, meta: _meta, recorded: _recorded, ...rest } = resource as Record<string, unknown>;
      const entity = (resource.entity ?? []).filter((e) => !e.what?.identifier);
      return JSON.stringify({ ...rest, entity });
    })
    .sort();
}

/**
 * The matrix for one token. `self`: the Patient the token's user is; the events of its own requests
 * are its to see (R4: AuditEvent.agent.who is in the patient compartment), and they echo what it
 * asked for, B's ids included: they are checked to look the same for B's ids as for unknown ones.
 */
async function matrix(t: Test, app: TestApp, fhir: FhirClient, self?: string): Promise<void> {
  const bIds = [...B_RECORD.map((r) => `${r.resourceType}/${r.id}`), 'Observation/qxb-gone', 'Observation/qxb-derived'];
  const aIds = A_RECORD.map((r) => `${r.resourceType}/${r.id}`);
  const types = [...new Set(A_RECORD.map((r) => r.resourceType as string))];

  /** A path naming B answers as the same path naming nothing. */
  const asUnknown = async (t: Test, path: string, method: 'GET' | 'HEAD' = 'GET', headers?: Record<string, string>) => {
    const named = await fhir(method, path, undefined, headers);
    const unknown = await fhir(method, standIn(path), undefined, headers);
    t.equal(standIn(comparable(named)), comparable(unknown), `${method} ${path} answers as for nothing`);
    t.ok(named.status < 500, `${path}: no server error`);
  };

  t.test('positive control: A sees A’s own record', async (t) => {
    for (const id of aIds) t.equal((await fhir('GET', id)).status, 200, id);
    const all = await fhir('GET', `?_type=${types.join(',')}&_count=100`);
    t.equal(all.json.entry.length, aIds.length, 'every resource of A, nothing more');
  });

  t.test('read, vread, conditional reads and HEAD of B answer as for an unknown id', async (t) => {
    for (const id of bIds) {
      await asUnknown(t, id);
      await asUnknown(t, id, 'HEAD');
      await asUnknown(t, `${id}/_history/1`);
      await asUnknown(t, `${id}/_history/2`);
      await asUnknown(t, `${id}?_elements=id`);
      await asUnknown(t, `${id}?_summary=true`);
      await asUnknown(t, id, 'GET', { 'if-none-match': 'W/"1"' });
      await asUnknown(t, id, 'GET', { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' });
    }
  });

  t.test('history at instance, type and system level', async (t) => {
    for (const id of bIds) await asUnknown(t, `${id}/_history`);
    const paths = [...types.map((type) => `${type}/_history`), '_history', '_history?_since=2000-01-01T00:00:00Z', ...aIds.map((id) => `${id}/_history`)];
    for (const path of paths) {
      for (const page of await pages(fhir, `${path}${path.includes('?') ? '&' : '?'}_count=2`)) noLeak(t, path, page);
    }
    const system = await fhir('GET', '_history?_count=100');
    t.ok(system.json.entry.length >= aIds.length, 'A’s own history is there');
  });

  t.test('search: every type, modifiers, includes, counts', async (t) => {
    // Every reference parameter as _include, every reference into the type as _revinclude.
    const registry = app.services.search.registry;
    const references = (type: string) => registry.forType(type).filter((p) => p.type === 'reference');
    const includes = (type: string, name: string) => references(type).map((p) => `${name}=${type}:${p.code}`);
    const revincludes = (type: string, name: string) =>
      [...types, 'CareTeam', 'AuditEvent'].flatMap((source) =>
        references(source)
          .filter((p) => !p.targets.length || p.targets.includes(type))
          .map((p) => `${name}=${source}:${p.code}`),
      );
    for (const type of types) {
      const params = [
        '_count=100',
        '_total=accurate',
        '_summary=count',
        '_summary=true',
        '_elements=id,subject',
        includes(type, '_include').join('&'),
        revincludes(type, '_revinclude').join('&'),
        [...includes(type, '_include:iterate'), ...revincludes(type, '_revinclude:iterate')].join('&'),
        `${revincludes(type, '_revinclude').join('&')}&_total=accurate&_count=1`,
        '_sort=-_lastUpdated&_count=1',
      ];
      for (const p of params) {
        const path = `${type}?${p}`;
        for (const page of await pages(fhir, path)) noLeak(t, path, page);
        const posted = await pages(fhir, `${type}/_search`, 'POST', p);
        for (const page of posted) noLeak(t, `POST ${type}/_search ${p}`, page);
      }
    }
    const specific = [
      'Observation?_include=Observation:subject&_include=Observation:performer&_revinclude=Observation:derived-from',
      'Observation?_revinclude=Observation:focus&_include:iterate=Observation:subject',
      'Patient?_revinclude=Observation:focus&_revinclude=Observation:subject&_revinclude=CareTeam:participant',
      'Patient?_revinclude:iterate=Observation:patient&_include:iterate=Observation:derived-from',
      'Observation?code=http://loinc.org|8867-4&_total=accurate',
      'Observation?category=vital-signs&_summary=count',
      'Observation?derived-from=Observation/a-vital&_summary=count',
      'Patient?_has:Observation:subject:code=http://loinc.org|8867-4&_total=accurate',
      'Patient?_has:Observation:focus:status=final&_summary=count',
      'Observation?subject:Patient.gender=other&_total=accurate',
      '?_type=Observation,Patient&_revinclude=Observation:derived-from&_revinclude=Observation:focus&_total=accurate',
      'Patient/pat-a/*?_total=accurate',
      'Patient/pat-a/Observation?_revinclude=Observation:derived-from',
      'Observation?_elements=derivedFrom,focus&_include=Observation:derived-from',
    ];
    for (const path of specific) for (const page of await pages(fhir, path)) noLeak(t, path, page);
  });

  t.test('searches that name B answer as searches that name nothing', async (t) => {
    const naming = [
      'Observation?subject=Patient/qxb-pat',
      'Observation?subject=Patient/qxb-pat&_summary=count',
      'Observation?patient=qxb-pat&_total=accurate',
      'Observation?_id=qxb-vital',
      'Observation?_id=qxb-vital,qxb-gone&_summary=count',
      'Patient?_id=qxb-pat&_revinclude=Observation:subject&_revinclude=Observation:focus',
      'Patient?name=Quixotebright&_total=accurate',
      'Patient?family=Quixotebright&_summary=count',
      'Observation?subject:Patient.name=Quixotebright&_summary=count',
      'Observation?subject:Patient.name=Quixotebright&_total=accurate',
      'Observation?code:text=Quixotebright&_summary=count',
      'Patient?_has:Observation:subject:code:text=Quixotebright&_summary=count',
      'Patient?_has:Observation:focus:_id=qxb-derived',
      'Observation?derived-from:Observation.subject=Patient/qxb-pat&_summary=count',
      'Condition?code:text=Quixotebright',
      'CarePlan?subject=Patient/qxb-pat&_total=accurate',
      'MedicationRequest?subject=Patient/qxb-pat&_summary=count',
      'QuestionnaireResponse?author=Patient/qxb-pat&_summary=count',
      'Flag?patient=qxb-pat',
      'Encounter?subject=Patient/qxb-pat&_summary=count',
      'Goal?patient=qxb-pat&_summary=count',
      'Patient/qxb-pat/Observation',
      'Patient/qxb-pat/*?_summary=count',
      'Patient/qxb-pat/*?_total=accurate',
      '?_type=Observation,Patient&_id=qxb-vital,qxb-pat&_total=accurate',
      'Observation?subject=Patient/pat-a,Patient/qxb-pat&_total=accurate&_count=100',
    ];
    for (const path of naming) await asUnknown(t, path);
  });

  t.test('batch and transaction GET entries', async (t) => {
    for (const type of ['batch', 'transaction']) {
      const entries = [
        ...bIds,
        'Observation?subject=Patient/qxb-pat&_summary=count',
        'Observation?_revinclude=Observation:derived-from',
        'Patient?name=Quixotebright',
        `${bIds[1]}/_history`,
        '_history',
      ].map((url) => ({ request: { method: 'GET', url } }));
      const named = await fhir('POST', '', { resourceType: 'Bundle', type, entry: entries });
      const unknown = await fhir('POST', '', JSON.parse(standIn(JSON.stringify({ resourceType: 'Bundle', type, entry: entries }))));
      t.ok(named.status < 500, `${type}: ${named.status}`);
      const strip = (res: FhirResponse) => {
        const json = res.json as { entry?: Array<{ resource?: { resourceType: string; id?: string; meta?: unknown } }> };
        for (const e of json.entry ?? []) {
          if (e.resource?.resourceType === 'Bundle') {
            delete e.resource.id;
            delete e.resource.meta;
          }
        }
        const { id: _id, meta: _meta, ...rest } = json as Record<string, unknown>;
        return JSON.stringify({ status: res.status, rest });
      };
      t.equal(standIn(strip(named)), strip(unknown), `${type} naming B answers as naming nothing`);
    }
  });

  t.test('the AuditEvent view', async (t) => {
    const own = (entry: AuditEntry) => self !== undefined && (entry.resource.agent ?? []).some((a) => a.who?.reference === self);
    const paths = [
      'AuditEvent?_count=100',
      'AuditEvent?patient=Patient/pat-a&_count=100',
      'AuditEvent?action=R,E&_count=100',
      'AuditEvent?subtype=search-type&_count=100',
    ];
    for (const path of paths) {
      for (const page of await pages(fhir, path)) {
        const entries = (page.json?.entry ?? []) as AuditEntry[];
        const others = entries.filter((entry) => !own(entry));
        noLeak(t, path, { ...page, body: JSON.stringify(others), json: { entry: others } });
        const queries = entries.flatMap((entry) => (entry.resource.entity ?? []).filter((e) => e.query));
        t.same(queries, [], `${path}: no raw query in a confined view`);
      }
    }
    const seen = await fhir('GET', 'AuditEvent?_count=100');
    t.ok(seen.json.entry?.length, 'A sees the events about A');
    for (const path of [
      'AuditEvent?patient=Patient/qxb-pat&_count=100',
      'AuditEvent?entity=Observation/qxb-vital&_count=100',
      'AuditEvent?entity=Patient/qxb-pat&_count=100',
    ]) {
      const named = await fhir('GET', path);
      const unknown = await fhir('GET', standIn(path));
      t.equal(named.status, 200, path);
      t.same(auditShapes(named.json.entry ?? []).map(standIn), auditShapes(unknown.json.entry ?? []), `${path} shows what naming nothing shows`);
      t.notOk(
        (named.json.entry ?? []).some((entry: AuditEntry) => !own(entry)),
        `${path}: only the token's own requests`,
      );
    }
    // An event about B, read by id, answers as an unknown event.
    const { rows } = await app.db.query<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE compartments @> ARRAY['Patient/qxb-pat'] LIMIT 1`);
    t.ok(rows[0], 'the audit trail holds an event about B');
    const aboutB = await fhir('GET', `AuditEvent/${rows[0].id}`);
    const unknown = await fhir('GET', `AuditEvent/${rows[0].id.slice(0, -4)}0000`);
    t.equal(aboutB.status, 404);
    t.equal(aboutB.body.replace(rows[0].id, 'X'), unknown.body.replace(`${rows[0].id.slice(0, -4)}0000`, 'X'));
  });
}
