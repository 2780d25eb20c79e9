/**
 * `npm run routing:train -- --database .data/distillgate.sqlite --alias auto [--measure q] [--out FILE]`:
 * fits the learned router (packages/router `routing/learned.ts`) on a gateway's own shadow records —
 * logged requests where both models' answers are known — and writes the model JSON to paste into
 * config `routing.aliases.<alias>.learned.model` (or `--out`). Shadow records keep the prompt's
 * feature vector, never its text, so this needs no prompt capture.
 *
 * Uses records the policy routed (a rule's are left out), `status = recorded`, with features and
 * the chosen quality measure. Fit on 80 % (by record id), and reports on the other 20 % the Pearson
 * correlation of predicted and measured quality and the mean absolute error, so a useless fit shows.
 * @throws (exit 1) with fewer than --min-records usable records
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { openNodeDatabase } from '@distillgate/db/node';
import { DEFAULT_HASH_BUCKETS, DENSE_FEATURES, type LearnedRouterModel, predictVector, trainOnVectors } from '@distillgate/router';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: '.data/distillgate.sqlite' },
    alias: { type: 'string', default: 'auto' },
    measure: { type: 'string', default: 'q' },
    'min-records': { type: 'string', default: '50' },
    out: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    'usage: npm run routing:train -- [--database FILE] [--alias auto] [--measure q|rouge_l|agreement] [--min-records 50] [--out FILE]',
  );
  process.exit(0);
}
const column = { q: 'quality_q', rouge_l: 'quality_rouge_l', agreement: 'quality_agreement' }[args.measure ?? ''];
const minRecords = Number(args['min-records']);
if (!column || !Number.isInteger(minRecords) || minRecords < 2) {
  console.error('--measure must be q, rouge_l or agreement; --min-records an integer ≥ 2');
  process.exit(1);
}

const database = openNodeDatabase({ file: args.database as string, migrate: false });
const rows = database.sqlite
  .prepare(
    `SELECT id, prompt_features AS features, ${column} AS quality FROM shadow_records
     WHERE alias = ? AND status = 'recorded' AND rule IS NULL AND prompt_features IS NOT NULL AND ${column} IS NOT NULL ORDER BY id`,
  )
  .all(args.alias) as Array<{ id: number; features: string; quality: number }>;
database.close();
const dim = DENSE_FEATURES.length + DEFAULT_HASH_BUCKETS;
const examples = rows
  .map((r) => ({ id: r.id, features: JSON.parse(r.features) as number[], quality: r.quality }))
  .filter((e) => e.features.length === dim);
if (examples.length < minRecords) {
  console.error(
    `${examples.length} usable shadow records for alias "${args.alias}" in ${args.database}; need ${minRecords} (raise routing.aliases.${args.alias}.shadow.share, or wait)`,
  );
  process.exit(1);
}

const holdout = examples.filter((e) => e.id % 5 === 0);
const fit = examples.filter((e) => e.id % 5 !== 0);
const check: LearnedRouterModel = trainOnVectors(fit);
if (holdout.length >= 2) {
  const p = holdout.map((e) => predictVector(check, e.features));
  const q = holdout.map((e) => e.quality);
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  const [mp, mq] = [mean(p), mean(q)];
  const cov = p.reduce((s, x, i) => s + (x - mp) * (q[i]! - mq), 0);
  const norm = Math.sqrt(p.reduce((s, x) => s + (x - mp) ** 2, 0) * q.reduce((s, x) => s + (x - mq) ** 2, 0));
  const mae = mean(p.map((x, i) => Math.abs(x - q[i]!)));
  console.error(`holdout (${holdout.length} records): Pearson r = ${(norm ? cov / norm : 0).toFixed(3)}, mean |error| = ${mae.toFixed(3)}`);
}
const model = trainOnVectors(examples); // the shipped model uses every record
const json = `${JSON.stringify(model, null, 2)}\n`;
if (args.out) {
  writeFileSync(args.out, json);
  console.error(`wrote ${args.out}: ${examples.length} records, paste it as routing.aliases.${args.alias}.learned.model`);
} else process.stdout.write(json);
