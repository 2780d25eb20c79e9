/**
 * Starts the real gpu-worker (`node --import tsx gpu-worker/server/src/main.ts`) as a child process
 * on loopback port 0 and waits until it listens. Used by e2e tests and benchmarks.
 */
import { type ListeningProcess, spawnListening } from './listening-process.ts';

export type GpuWorkerProcess = ListeningProcess;

/**
 * @param args CLI flags after `main.ts` (`--model-dir …`); `--port 0` is added
 * @throws Error when the process exits or does not print its address within `startTimeoutMs`
 */
export function startGpuWorkerProcess(args: string[], startTimeoutMs = 60_000): Promise<GpuWorkerProcess> {
  return spawnListening('gpu-worker', [process.execPath, '--import', 'tsx', 'gpu-worker/server/src/main.ts', '--port', '0', ...args], {
    env: { ...process.env, ORT_DISABLE_TELEMETRY: '1' },
    startTimeoutMs,
  });
}
