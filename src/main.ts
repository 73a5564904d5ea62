import { main } from './cli.ts';

// The process entry point: the only place that sets the exit code (principle 7).
process.exitCode = await main(process.argv.slice(2));
