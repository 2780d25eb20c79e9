/**
 * @distillgate/edge-model/node: Node-only pieces (disk loading, the onnxruntime-node binding).
 * onnxruntime-node is imported only by `createNodeBinding` / `bindingFor('node')`.
 */
export type { NodeBindingOptions } from './binding-node.ts';
export {
  bindingFor,
  type LoadFromDirOptions,
  liveVersion,
  loadEngineFromDir,
  type ReadModelDirOptions,
  readModelDir,
} from './model-dir.ts';

/** The onnxruntime-node binding (loads the native addon on first call). */
export async function createNodeBinding(options?: import('./binding-node.ts').NodeBindingOptions) {
  return (await import('./binding-node.ts')).createNodeBinding(options);
}
