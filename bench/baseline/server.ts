// The baselines: for each kind of request, the best a minimal Fastify + node-postgres server could
// do, with the same pool size, bodies and durability as Haven. Run as its own process so that it
// and Haven are measured alike.
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_SIZE ?? 10) });
const app = Fastify({ logger: false, bodyLimit: 16 * 1024 * 1024 });
app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

// Create: one INSERT of the JSON into (id, jsonb), answering 201 with the resource.
app.post('/baseline/resource', async (request, reply) => {
  const resource = { ...(request.body as Record<string, unknown>), id: randomUUID() };
  const json = JSON.stringify(resource);
  await pool.query('INSERT INTO bench_resource (id, content) VALUES ($1, $2)', [resource.id, json]);
  return reply.code(201).type('application/fhir+json').send(json);
});

// Read: SELECT by primary key, the stored JSON sent as text.
app.get<{ Params: { id: string } }>('/baseline/resource/:id', async (request, reply) => {
  const { rows } = await pool.query<{ content: string }>('SELECT content::text AS content FROM bench_resource WHERE id = $1', [request.params.id]);
  if (!rows.length) return reply.code(404).send();
  return reply.type('application/fhir+json').send(rows[0].content);
});

// Search: the same query hand-written on a hand-indexed table, answered as a searchset Bundle.
app.get<{ Querystring: { subject: string; code: string; date: string; count?: string; include?: string } }>('/baseline/search', async (request, reply) => {
  const { subject, code, date, count = '50', include } = request.query;
  const { rows } = await pool.query<{ content: string; subject: string }>(
    `SELECT content::text AS content, subject FROM bench_obs
      WHERE subject = $1 AND code = $2 AND effective >= $3 ORDER BY effective DESC, id LIMIT $4`,
    [subject, code, date, Number(count)],
  );
  let entries = rows.map((r) => `{"resource":${r.content},"search":{"mode":"match"}}`);
  if (include && rows.length) {
    const patients = await pool.query<{ content: string }>('SELECT content::text AS content FROM bench_resource WHERE id = ANY($1)', [
      [...new Set(rows.map((r) => r.subject.replace(/^Patient\//, '')))],
    ]);
    entries = entries.concat(patients.rows.map((p) => `{"resource":${p.content},"search":{"mode":"include"}}`));
  }
  return reply.type('application/fhir+json').send(`{"resourceType":"Bundle","type":"searchset","entry":[${entries.join(',')}]}`);
});

// Transaction: N rows inserted by one statement in one transaction.
app.post('/baseline/transaction', async (request, reply) => {
  const resources = (request.body as Array<Record<string, unknown>>).map((r) => ({ ...r, id: randomUUID() }));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO bench_resource (id, content) SELECT * FROM unnest($1::text[], $2::jsonb[])', [
      resources.map((r) => r.id),
      resources.map((r) => JSON.stringify(r)),
    ]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
  return reply.type('application/fhir+json').send(`[${resources.map((r) => JSON.stringify(r)).join(',')}]`);
});

// History: every version of one resource, newest first.
app.get<{ Params: { id: string } }>('/baseline/history/:id', async (request, reply) => {
  const { rows } = await pool.query<{ content: string }>('SELECT content::text AS content FROM bench_history WHERE id = $1 ORDER BY version DESC LIMIT 100', [
    request.params.id,
  ]);
  return reply
    .type('application/fhir+json')
    .send(`{"resourceType":"Bundle","type":"history","entry":[${rows.map((r) => `{"resource":${r.content}}`).join(',')}]}`);
});

const port = Number(process.env.PORT ?? 0);
await app.listen({ host: '127.0.0.1', port });
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
