// Worker entry point. Node 20 workers don't inherit tsx's loader hooks, so register
// them here before loading the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./word-vectors-worker.ts');
