/**
 * The page: the login form until the admin session exists, then the panels (usage, savings,
 * latency, keys, models) behind a tab bar and a period picker. Tabs are hash routes (`#keys`), so
 * any `/dashboard/` URL loads the same static page on Node and on Workers.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { fetchStats, isUnauthorized, login, logout, messageOf, RANGES, type StatsRange, sdk } from './api.ts';
import { KeysPanel } from './panels/keys.tsx';
import { LatencyPanel } from './panels/latency.tsx';
import { ModelsPanel } from './panels/models.tsx';
import { SavingsPanel } from './panels/savings.tsx';
import { UsagePanel } from './panels/usage.tsx';
import { Empty, ErrorState, Loading } from './ui.tsx';
import { useAsync } from './use-async.ts';

const TABS = [
  { id: 'usage', label: 'Usage & cost' },
  { id: 'savings', label: 'Savings' },
  { id: 'latency', label: 'Latency' },
  { id: 'keys', label: 'Keys' },
  { id: 'models', label: 'Models' },
] as const;
type TabId = (typeof TABS)[number]['id'];

function tabFromHash(): TabId {
  const id = window.location.hash.replace(/^#/, '');
  return TABS.find((t) => t.id === id)?.id ?? 'usage';
}

function LoginForm({ onLoggedIn }: { onLoggedIn: () => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(token);
      setToken('');
      onLoggedIn();
    } catch (err) {
      setError(isUnauthorized(err) ? 'Incorrect admin token.' : messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="container login">
      <article>
        <h1>Distillgate</h1>
        <p>Usage and billing. Log in with the gateway's admin token (DISTILLGATE_ADMIN_TOKEN); it buys a 12-hour session.</p>
        <form onSubmit={submit} data-testid="login-form">
          <label>
            Admin token
            <input
              type="password"
              name="token"
              autoComplete="current-password"
              required
              value={token}
              onChange={(e) => setToken(e.target.value)}
              data-testid="login-token"
              aria-invalid={error ? true : undefined}
            />
          </label>
          {error ? (
            <p role="alert" className="error-text" data-testid="login-error">
              {error}
            </p>
          ) : null}
          <button type="submit" aria-busy={busy} disabled={busy} data-testid="login-submit">
            Log in
          </button>
        </form>
      </article>
    </main>
  );
}

function Dashboard({ onLoggedOut }: { onLoggedOut: () => void }) {
  const [tab, setTab] = useState<TabId>(tabFromHash);
  const [range, setRange] = useState<StatsRange>(RANGES[0]!);
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    const onHash = () => setTab(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const [stats, reloadStats] = useAsync((signal) => fetchStats(range, nowMs, signal), [range, nowMs]);
  const [keys, reloadKeys] = useAsync((signal) => sdk.admin.keys.list({}, { signal }), []);
  const expired = [stats, keys].some((s) => s.status === 'error' && isUnauthorized(s.error));
  useEffect(() => {
    if (expired) onLoggedOut();
  }, [expired, onLoggedOut]);

  const usesStats = tab === 'usage' || tab === 'savings' || tab === 'latency';
  return (
    <>
      <header className="container topbar">
        <nav>
          <ul>
            <li>
              <strong>Distillgate</strong>
            </li>
          </ul>
          <ul>
            <li>
              <button type="button" className="secondary outline" data-testid="logout" onClick={() => logout().finally(onLoggedOut)}>
                Log out
              </button>
            </li>
          </ul>
        </nav>
        <nav className="tabs" aria-label="Sections">
          <ul>
            {TABS.map((t) => (
              <li key={t.id}>
                <a href={`#${t.id}`} aria-current={tab === t.id ? 'page' : undefined} data-testid={`tab-${t.id}`}>
                  {t.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main className="container">
        {usesStats ? (
          <div className="range">
            <select
              aria-label="Period"
              data-testid="range"
              value={range.id}
              onChange={(e) => setRange(RANGES.find((r) => r.id === e.target.value) ?? RANGES[0]!)}
            >
              {RANGES.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="secondary outline"
              data-testid="refresh"
              onClick={() => {
                setNowMs(Date.now());
                reloadStats();
              }}
            >
              Refresh
            </button>
          </div>
        ) : null}
        {usesStats && stats.status === 'loading' ? <Loading what="usage" /> : null}
        {usesStats && stats.status === 'error' ? <ErrorState error={stats.error} onRetry={reloadStats} /> : null}
        {usesStats && stats.status === 'ok' && stats.data.totals.requests === 0 ? (
          <Empty>
            No requests in this period yet. Send one to <code>/v1/chat/completions</code> with an API key, then refresh.
          </Empty>
        ) : null}
        {usesStats && stats.status === 'ok' && stats.data.totals.requests > 0 ? (
          <div data-testid="stats-ready">
            {tab === 'usage' ? <UsagePanel stats={stats.data} keys={keys.status === 'ok' ? keys.data.data : []} nowMs={nowMs} /> : null}
            {tab === 'savings' ? <SavingsPanel stats={stats.data} nowMs={nowMs} /> : null}
            {tab === 'latency' ? <LatencyPanel stats={stats.data} /> : null}
          </div>
        ) : null}
        {tab === 'keys' ? <KeysPanel keys={keys} reload={reloadKeys} /> : null}
        {tab === 'models' ? <ModelsPanel /> : null}
      </main>
    </>
  );
}

/** Asks the gateway whether a session exists (a cheap admin call), then shows the login form or the dashboard. */
export function App() {
  const [session, setSession] = useState<'unknown' | 'in' | 'out'>('unknown');
  const [probe, reprobe] = useAsync((signal) => sdk.admin.prices.list({ signal, maxRetries: 0 }), []);
  useEffect(() => {
    if (probe.status === 'ok') setSession('in');
    if (probe.status === 'error' && isUnauthorized(probe.error)) setSession('out');
  }, [probe]);
  if (session === 'in') return <Dashboard onLoggedOut={() => setSession('out')} />;
  if (session === 'out') return <LoginForm onLoggedIn={() => setSession('in')} />;
  if (probe.status === 'error') {
    return (
      <main className="container">
        <ErrorState error={probe.error} onRetry={reprobe} />
      </main>
    );
  }
  return (
    <main className="container">
      <Loading what="the dashboard" />
    </main>
  );
}
