/**
 * Seeded randomness, in one place.
 * - CPython-compatible: `new CPythonRandom(seed)` draws what `random.Random(seed)` draws in CPython 3.11 (and 3.12,
 *   whose algorithms are the same) for the methods Delta-HPC uses; everything compared with the reference uses it.
 * - mulberry32 (`Mulberry32`, `seededRng`): the small stream for what needs reproducibility but no parity.
 */
export { CPythonRandom, seedWords } from './cpython-random.js';
export { glibcLog } from './glibc-log.js';
export { Mt19937 } from './mt19937.js';
export { Mulberry32 } from './mulberry32.js';
export { type Rng, seededRng } from './seeded-rng.js';
