/**
 * The lossless bench (bench/lossless-n1.ts, same arguments) with the prototype `lmscmx` registered:
 *   node dist/bench/lmscm-mc.js --ephys --codec 'remap+lmscmx:refs=4,taps=3'
 */
import './_lmscm-mc.js';

await import('./lossless-n1.js');
