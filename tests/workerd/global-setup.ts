/**
 * Runs in Node before the workerd tests: a real loopback mock upstream the Worker calls, and a
 * loopback server of the edge model files the tests seed into the `MODELS` R2 binding.
 */
import type { TestProject } from 'vitest/node';
import { testModelSkipReason } from '../../packages/edge-model/src/test-model.ts';
import { startMockUpstream } from '../support/mock-upstream.ts';
import { startModelServer } from './model-server.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockUpstream();
  project.provide('mockBaseUrl', mock.baseUrl);
  const skip = testModelSkipReason();
  project.provide('edgeModelSkipReason', skip);
  const models = skip === null ? await startModelServer() : null;
  project.provide('modelServerUrl', models?.baseUrl ?? '');
  project.provide('studentVersion', models?.studentVersion ?? '');
  return async () => {
    await Promise.all([mock.close(), models?.close()]);
  };
}
