// npm run bench [-- --scenario NAME[,NAME] --duration S --connections N --scale tiny|standard|full --keep]
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { formatScale, formatTable, writeReport } from './lib/report.js';
import { SCALES, type Scale } from './scenarios/scenario.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    scale: { type: 'string', default: 'standard' },
    keep: { type: 'boolean', default: false },
  },
});

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  console.error('The benchmark needs a PostgreSQL server: set DATABASE_URL (postgres://...). It refuses the embedded PGlite, whose figures would mislead.');
  process.exit(2);
}
if (!SCALES.includes(values.scale as Scale)) {
  console.error(`--scale must be one of ${SCALES.join(', ')}`);
  process.exit(2);
}

const report = await runBench({
  databaseUrl,
  scenarios: values.scenario?.flatMap((s) => s.split(',')),
  duration: Number(values.duration),
  connections: Number(values.connections),
  scale: values.scale as Scale,
  runner: 'built',
  keepDatabase: values.keep,
  log: (message) => console.error(`[bench] ${message}`),
});
console.log(formatTable(report));
const scale = formatScale(report);
if (scale) console.log(`\nSearch scale (growth against 100,000 Observations):\n\n${scale}`);
if (report.havenPeakRssMb !== undefined) console.log(`\nHaven peak RSS: ${report.havenPeakRssMb} MB (goal <= 300 MB)`);
console.log(`\nwritten to ${writeReport(report)}`);
