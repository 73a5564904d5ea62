import v8 from 'node:v8';

// Let the old generation grow 3x before a full GC (V8's default is ~1.5x): the relay's live heap is
// small and steady, and at 10,000 spans/s this cut its CPU by a tenth (docs/PERFORMANCE.md). Set
// before the CLI loads; the young generation's size cannot be set here (Dockerfile, npm start).
v8.setFlagsFromString('--heap-growing-percent=200');

const { main } = await import('./cli.ts');

// The process entry point: the only place that sets the exit code (principle 7).
process.exitCode = await main(process.argv.slice(2));
