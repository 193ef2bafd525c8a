// `npm run fuzz [-- --runs N] [-- --seed S]`: the fuzz suite with many cases (default 2000 per
// property) and a fresh seed unless one is given; the seed is printed first so any run can be
// replayed: `npm run fuzz -- --seed S --runs N` (or FUZZ_SEED=S FUZZ_RUNS=N npx tap test/fuzz/).
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } } });
const runs = values.runs ?? process.env.FUZZ_RUNS ?? '2000';
const seed = values.seed ?? process.env.FUZZ_SEED ?? String(Math.floor(Math.random() * 2 ** 31));
if (!/^\d+$/.test(runs) || !/^-?\d+$/.test(seed)) {
  console.error('usage: npm run fuzz -- [--runs N] [--seed S]');
  process.exit(2);
}
console.log(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}`);
const result = spawnSync('npx', ['tap', '--timeout', '0', 'test/fuzz/'], { stdio: 'inherit', env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs } });
console.log(`fuzz: replay with  npm run fuzz -- --seed ${seed} --runs ${runs}`);
process.exit(result.status ?? 1);
