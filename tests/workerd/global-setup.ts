/** Runs in Node before the workerd tests: a real loopback mock upstream the Worker calls. */
import type { TestProject } from 'vitest/node';
import { startMockUpstream } from '../support/mock-upstream.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMockUpstream();
  project.provide('mockBaseUrl', mock.baseUrl);
  return () => mock.close();
}
