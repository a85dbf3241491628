/**
 * `npm run test:chaos [-- --seconds 600 --seed 42 --hubs 3 --registers 10]`: one long chaos run; prints its
 * figures and exits non-zero on any violation or lost acknowledged write, or when no register woken from a
 * freeze past its lease was refused a sale.
 */
import { parseArgs } from 'node:util';
import { buildHubBundle } from '../helpers/hub-bundle.js';
import { formatReport, runChaos } from './orchestrator.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '600' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    hubs: { type: 'string', default: '3' },
    registers: { type: 'string', default: '10' },
  },
});
buildHubBundle(); // the hubs run as npm start runs them: the bundle of this checkout, not one left from before
const report = await runChaos({
  seconds: Number(values.seconds), seed: Number(values.seed), hubs: Number(values.hubs), registers: Number(values.registers),
});
console.log(formatReport(report));
// a run whose freezes never made a register try a stale sale has not tested fencing under that fault
const staleRefused = Object.values(report.staleSales.refused).reduce((a, b) => a + b, 0);
if (staleRefused === 0) console.log('no register woken from a freeze past its lease was refused a sale: the fault had no effect');
const failed = report.violations.length > 0 || report.lostWrites > 0 || staleRefused === 0;
console.log(`${failed ? 0 : 1} passed, ${failed ? 1 : 0} failed`);
process.exit(failed ? 1 : 0);
