/**
 * `GET /dashboard` and `/dashboard/*` on Node: the static files of the usage dashboard
 * (apps/dashboard, built by `npm ci`'s prepare step into `apps/dashboard/dist/dashboard/`). No
 * auth here — the page is public code; the data it reads (`/admin/v1/*`) needs the admin session.
 * A path without a file extension that matches no file gets `index.html` (client routes); `/dashboard`
 * redirects to `/dashboard/`. On Workers the same files are static assets (wrangler.toml `[assets]`)
 * and are answered before the Worker runs; there `node:fs` is absent and these routes answer 404.
 *
 * Files are read with `node:fs` through `process.getBuiltinModule`, so the Workers bundle imports
 * nothing from Node. Paths are decoded segment by segment; `..`, `.`-files, backslashes and NUL are
 * refused, so nothing outside the dist folder can be read.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { GatewayEnv } from '../env.ts';
import { nodeFileModules } from '../node-builtins.ts';

/** Where the page lives. */
export const DASHBOARD_PATH = '/dashboard';

/** Content types by extension (lowercase, no dot). */
const CONTENT_TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  webp: 'image/webp',
  woff2: 'font/woff2',
  txt: 'text/plain; charset=utf-8',
};

/** Hashed build outputs (`assets/index-3f2a….js`) never change under one name. @unit s */
const IMMUTABLE_MAX_AGE_S = 31_536_000;
/** Files larger than this are not served (the build has none). @unit bytes */
const MAX_FILE_BYTES = 16 << 20;

/** The page's Content-Security-Policy: only its own scripts, styles and API. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join('; ');

/** `apps/dashboard/dist/dashboard`, found from this file's place in the repository; null off Node. */
function defaultDistDir(node: { path: typeof import('node:path') }): string | null {
  try {
    const here = decodeURIComponent(new URL('.', import.meta.url).pathname);
    return node.path.resolve(here, '..', '..', '..', 'dashboard', 'dist', 'dashboard');
  } catch {
    return null;
  }
}

/** The request path below `/dashboard/` as safe segments, or null for a path that may not be served. */
function segmentsOf(pathname: string): string[] | null {
  const rest = pathname.slice(DASHBOARD_PATH.length).replace(/^\/+/, '');
  if (rest === '') return [];
  const segments: string[] = [];
  for (const raw of rest.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment === '' || segment.startsWith('.') || /[\\/\0]/.test(segment)) return null;
    segments.push(segment);
  }
  return segments;
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
}

function notFound(c: Context<GatewayEnv>, message: string): Response {
  return c.json({ error: { message, type: 'invalid_request_error', param: null, code: 'unknown_url' } }, 404);
}

/**
 * The dashboard's routes, mounted by app.ts at the root.
 * @param distDir the built page's folder; @default `apps/dashboard/dist/dashboard` of this checkout
 */
export function dashboardRoutes(distDir?: string): Hono<GatewayEnv> {
  const routes = new Hono<GatewayEnv>();
  const node = nodeFileModules();
  const root = distDir ?? (node ? defaultDistDir(node) : null);

  async function readFile(segments: string[]): Promise<Uint8Array | null> {
    if (!node || !root) return null;
    const file = node.path.join(root, ...segments);
    if (!file.startsWith(root + node.path.sep) && file !== root) return null;
    try {
      const stat = await node.fs.stat(file);
      if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return null;
      return new Uint8Array(await node.fs.readFile(file));
    } catch {
      return null;
    }
  }

  routes.get(DASHBOARD_PATH, (c) => c.redirect(`${DASHBOARD_PATH}/${new URL(c.req.url).search}`, 308));
  routes.get(`${DASHBOARD_PATH}/*`, async function dashboardFileHandler(c) {
    const segments = segmentsOf(new URL(c.req.url).pathname);
    if (segments === null) return notFound(c, 'No such dashboard file.');
    const name = segments.at(-1) ?? 'index.html';
    const ext = extensionOf(name);
    // a client route (no extension) and the folder itself get the page; a missing asset is a 404
    const asPage = segments.length === 0 || ext === '';
    const bytes = asPage ? await readFile(['index.html']) : await readFile(segments);
    if (bytes === null) {
      return notFound(
        c,
        asPage ? 'The dashboard is not built: run `npm run build -w @distillgate/dashboard` (npm ci does it).' : 'No such dashboard file.',
      );
    }
    const headers: Record<string, string> = {
      'content-type': asPage ? CONTENT_TYPES.html! : (CONTENT_TYPES[ext] ?? 'application/octet-stream'),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': asPage ? 'no-cache' : segments[0] === 'assets' ? `public, max-age=${IMMUTABLE_MAX_AGE_S}, immutable` : 'no-cache',
    };
    if (asPage || ext === 'html') {
      headers['content-security-policy'] = CSP;
      headers['x-frame-options'] = 'DENY';
    }
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, headers);
  });
  return routes;
}
