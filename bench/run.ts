// npm run bench [-- --scenario NAME[,NAME] --duration S --connections N --scale tiny|standard|full --keep --compare BASE_REF]
import { parseArgs } from 'node:util';
import { runBench } from './bench.js';
import { checkoutBase, type BaseBuild } from './lib/base-build.js';
import { formatBaseTable, formatComparison, formatScale, formatTable, writeReport } from './lib/report.js';
import { SCALES, type Scale } from './scenarios/scenario.js';

const { values } = parseArgs({
  options: {
    scenario: { type: 'string', multiple: true },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    scale: { type: 'string', default: 'standard' },
    keep: { type: 'boolean', default: false },
    compare: { type: 'string' },
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

const log = (message: string) => console.error(`[bench] ${message}`);
let base: BaseBuild | undefined;
try {
  base = values.compare ? await checkoutBase(values.compare, 'built', log) : undefined;
  const report = await runBench({
    databaseUrl,
    scenarios: values.scenario?.flatMap((s) => s.split(',')),
    duration: Number(values.duration),
    connections: Number(values.connections),
    scale: values.scale as Scale,
    runner: 'built',
    keepDatabase: values.keep,
    compare: base,
    log,
  });
  if (base) console.log(`Working tree:\n`);
  console.log(formatTable(report));
  const scale = formatScale(report);
  if (scale) console.log(`\nSearch scale (growth against 100,000 Observations):\n\n${scale}`);
  if (report.havenPeakRssMb !== undefined) console.log(`\nHaven peak RSS: ${report.havenPeakRssMb} MB (goal <= 300 MB)`);
  if (base) {
    console.log(`\nBase, ${base.label}:\n\n${formatBaseTable(report)}`);
    if (report.compare?.havenPeakRssMb !== undefined) console.log(`\nBase Haven peak RSS: ${report.compare.havenPeakRssMb} MB`);
    console.log(`\nWorking tree against ${base.label} (above 1.00: the working tree is faster):\n\n${formatComparison(report)}`);
  }
  console.log(`\nwritten to ${writeReport(report)}`);
} finally {
  await base?.remove();
}
