/**
 * CPython-compatible randomness: `new CPythonRandom(seed)` draws what `random.Random(seed)` draws in CPython 3.11
 * (and 3.12, whose algorithms are the same) for the methods Delta-HPC uses.
 */
export { CPythonRandom, seedWords } from './cpython-random.js';
export { glibcLog } from './glibc-log.js';
export { Mt19937 } from './mt19937.js';
