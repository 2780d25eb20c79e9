/**
 * Loads a model folder (`models/<name>/<version>/` layout, DESIGN.md §3) into an edge-model
 * `Decoder` over onnxruntime-web (WASM SIMD, one thread: what the edge runs) or onnxruntime-node
 * (native CPU, one intra-op thread: how the teacher is scored). Files are sha256-checked against the
 * manifest by edge-model's `readModelDir`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Decoder, loadTokenizer, type ModelManifest, type ModelTokenizer, parseManifest } from '@distillgate/edge-model';
import { bindingFor, readModelDir } from '@distillgate/edge-model/node';

export type Runtime = 'web' | 'node';
export type ModelFile = 'model.onnx' | 'model.int8.onnx';

export interface LoadedModel {
  dir: string;
  file: ModelFile;
  runtime: Runtime;
  manifest: ModelManifest;
  decoder: Decoder;
  tokenizer: ModelTokenizer;
}

/** The runtime's name as the binding reports it ('onnxruntime-web' | 'onnxruntime-node'). */
export const runtimeName = (runtime: Runtime) => (runtime === 'web' ? 'onnxruntime-web' : 'onnxruntime-node');

/** @throws Error when a file is missing, a hash differs, or the graph is not an Optimum decoder */
export async function loadModel(dir: string, file: ModelFile, runtime: Runtime): Promise<LoadedModel> {
  const files = await readModelDir(dir, { modelFile: file });
  const manifest = parseManifest(files.manifest);
  const tokenizer = loadTokenizer(files.tokenizer, manifest.eos_token_id ?? null);
  const decoder = await Decoder.create(await bindingFor(runtime), files.model, manifest);
  if (tokenizer.size > decoder.shape.vocabSize) {
    await decoder.release();
    throw new Error(`${dir}: tokenizer has ${tokenizer.size} ids, the model only ${decoder.shape.vocabSize} logits`);
  }
  return { dir, file, runtime, manifest, decoder, tokenizer };
}

/** `name@version` of a manifest. */
export const modelId = (m: ModelManifest) => `${m.name}@${m.version}`;

/**
 * Student and teacher must share the tokenizer and vocabulary (DESIGN.md §5: the job refuses a
 * teacher whose tokenizer differs).
 * @throws Error naming the difference
 */
export function assertSameTokenizer(student: ModelManifest, teacher: ModelManifest): void {
  if (student.tokenizer_sha256 !== teacher.tokenizer_sha256) {
    throw new Error(`tokenizer differs: student ${student.tokenizer_sha256}, teacher ${teacher.tokenizer_sha256}`);
  }
  if (student.vocab_size !== teacher.vocab_size) throw new Error(`vocab_size differs: ${student.vocab_size} vs ${teacher.vocab_size}`);
}

/** The teacher and the student's graphs: fp32 always, int8 when the folder has model.int8.onnx. */
export interface LoadedModels {
  teacher: LoadedModel;
  students: { name: 'fp32' | 'int8'; model: LoadedModel }[];
}

const VARIANT_FILES: Record<'fp32' | 'int8', ModelFile> = { fp32: 'model.onnx', int8: 'model.int8.onnx' };

/**
 * The teacher on onnxruntime-node, the student's graphs on `studentRuntime`.
 * @throws Error when a folder does not load or the tokenizers differ (everything loaded is released)
 */
export async function loadModels(studentDir: string, teacherDir: string, studentRuntime: Runtime): Promise<LoadedModels> {
  const teacher = await loadModel(teacherDir, 'model.onnx', 'node');
  const students: LoadedModels['students'] = [];
  try {
    for (const name of ['fp32', 'int8'] as const) {
      if (name === 'int8' && !existsSync(join(studentDir, VARIANT_FILES.int8))) continue;
      students.push({ name, model: await loadModel(studentDir, VARIANT_FILES[name], studentRuntime) });
    }
    assertSameTokenizer(students[0]!.model.manifest, teacher.manifest);
    return { teacher, students };
  } catch (error) {
    await releaseModels({ teacher, students });
    throw error;
  }
}

export async function releaseModels(m: LoadedModels): Promise<void> {
  await Promise.all([m.teacher, ...m.students.map((s) => s.model)].map((x) => x.decoder.release()));
}
