/**
 * TEST-ONLY worker for budgets.test.ts: its own connection to the file, waits at a shared barrier
 * so every thread starts together, then makes `count` reservations at once and posts which held.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openNodeDatabase } from '../node.ts';
import { reserveBudget } from './budgets.ts';

const { file, keyId, count, costMicroUsd, nowMs, barrier } = workerData as {
  file: string;
  keyId: string;
  count: number;
  costMicroUsd: number;
  nowMs: number;
  barrier: SharedArrayBuffer;
};
const { db, close } = openNodeDatabase({ file, migrate: false });
const start = new Int32Array(barrier);
parentPort!.postMessage('ready');
Atomics.wait(start, 0, 0);
try {
  const results = await Promise.all(
    Array.from({ length: count }, () => reserveBudget(db, { keyId, worstCaseMicroUsd: costMicroUsd }, nowMs)),
  );
  parentPort!.postMessage(results.map((r) => r.ok));
} finally {
  close();
}
