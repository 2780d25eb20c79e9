/**
 * `npm run models:publish:r2 -- [--remote] [--name distillgate-student] [--from <model dir>]`
 *
 * Uploads edge models to the R2 bucket the Worker reads (binding `MODELS` in wrangler.toml), in
 * the layout apps/gateway/src/edge/workerd/r2-model-source.ts expects:
 *
 *   <name>/<version>/{model.onnx, tokenizer.json, manifest.json}   for the live and canary versions
 *   <name>/channels.json                                            last, so readers never see a
 *                                                                   live version without its files
 *
 * Sources: `models/<name>/channels.json` and its versions (every model under models/ by default),
 * or `--from <dir>` (a model directory; published as `<name>/<manifest version>` and made live).
 * Local by default (`wrangler r2 object put --local`, what `wrangler dev` reads, offline);
 * `--remote` uploads to Cloudflare. `--persist-to <dir>` is passed through to wrangler.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The files the Worker reads per version. */
const FILES = ['model.onnx', 'tokenizer.json', 'manifest.json'] as const;

const { values } = parseArgs({
  options: {
    remote: { type: 'boolean', default: false },
    name: { type: 'string' },
    from: { type: 'string' },
    bucket: { type: 'string', default: 'distillgate-models' }, // = bucket_name of MODELS in wrangler.toml
    'models-dir': { type: 'string', default: join(ROOT, 'models') },
    'persist-to': { type: 'string' },
  },
});

interface Upload {
  key: string;
  file: string;
}

function put({ key, file }: Upload): void {
  const args = ['r2', 'object', 'put', `${values.bucket}/${key}`, '--file', file, values.remote ? '--remote' : '--local'];
  if (values['persist-to']) args.push('--persist-to', values['persist-to']);
  if (key.endsWith('.json')) args.push('--content-type', 'application/json');
  console.log(`put ${key}`);
  execFileSync(join(ROOT, 'node_modules', '.bin', 'wrangler'), args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  });
}

function versionUploads(name: string, version: string, dir: string): Upload[] {
  for (const file of FILES) if (!existsSync(join(dir, file))) throw new Error(`${join(dir, file)} is missing`);
  return FILES.map((file) => ({ key: `${name}/${version}/${file}`, file: join(dir, file) }));
}

/** Versions named by models/<name>/channels.json (live, then canary), with channels.json last. */
function committedUploads(name: string): Upload[] {
  const channelsFile = join(values['models-dir'], name, 'channels.json');
  const channels = JSON.parse(readFileSync(channelsFile, 'utf8')) as { live: string; canary?: { version: string } | null };
  const versions = [channels.live, ...(channels.canary ? [channels.canary.version] : [])];
  const files = versions.flatMap((v) => versionUploads(name, v, join(values['models-dir'], name, v)));
  return [...files, { key: `${name}/channels.json`, file: channelsFile }];
}

/** One model directory published as the live version of `name`. */
function directoryUploads(name: string, dir: string, scratch: string): Upload[] {
  const { version } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { version: string };
  const channelsFile = join(scratch, `${name}.channels.json`);
  writeFileSync(channelsFile, JSON.stringify({ live: version, canary: null }));
  return [...versionUploads(name, version, dir), { key: `${name}/channels.json`, file: channelsFile }];
}

const scratch = mkdtempSync(join(tmpdir(), 'distillgate-publish-'));
try {
  let uploads: Upload[];
  if (values.from) {
    uploads = directoryUploads(values.name ?? 'distillgate-student', values.from, scratch);
  } else {
    const names = values.name
      ? [values.name]
      : readdirSync(values['models-dir']).filter((n) => existsSync(join(values['models-dir'], n, 'channels.json')));
    if (names.length === 0) throw new Error(`no models/<name>/channels.json under ${values['models-dir']} (use --from <dir>)`);
    uploads = names.flatMap(committedUploads);
  }
  for (const upload of uploads) put(upload);
  console.log(`published ${uploads.length} objects to ${values.bucket} (${values.remote ? 'remote' : 'local'})`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
