/**
 * `npm run test:chaos [-- --seconds 600 --seed 42 --hubs 3 --registers 10]`: one long chaos run; prints its
 * figures and exits non-zero on any violation or lost acknowledged write.
 */
import { parseArgs } from 'node:util';
import { formatReport, runChaos } from './orchestrator.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    hubs: { type: 'string', default: '3' },
    registers: { type: 'string', default: '10' },
  },
});
const report = await runChaos({
  seconds: Number(values.seconds), seed: Number(values.seed), hubs: Number(values.hubs), registers: Number(values.registers),
});
console.log(formatReport(report));
const failed = report.violations.length > 0 || report.lostWrites > 0;
console.log(`${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
