/**
 * drizzle-kit: `npm run -w @distillgate/db generate` writes the next migration into migrations/
 * from src/schema.ts. The folder holds plain `NNNN_name.sql` files, which both drizzle's Node
 * migrator (src/node.ts, with migrations/meta/_journal.json) and `wrangler d1 migrations apply`
 * (wrangler.toml `migrations_dir`) apply in name order.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/schema.ts',
  out: './migrations',
});
