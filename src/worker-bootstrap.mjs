// Entry point of every worker thread. Node 20 workers don't inherit tsx's loader hooks, so
// register them here, then load the TypeScript module the spawner named (see workers.ts).
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));
