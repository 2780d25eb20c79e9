/**
 * API keys: create (the secret is shown once), revoke, set limits (requests and tokens per minute)
 * and monthly budgets, with each key's spend this month against its budget.
 */
import { type FormEvent, useState } from 'react';
import { type ApiKey, type CreatedApiKey, messageOf, sdk } from '../api.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { formatCount, formatUsd, MICRO_PER_USD, parseLimit, parseUsd } from '../units.ts';
import type { AsyncState } from '../use-async.ts';

/** The limits form's fields as typed (empty = unlimited). */
interface LimitFields {
  rpm: string;
  tpm: string;
  budgetUsd: string;
}

const fieldsOf = (key?: ApiKey): LimitFields => ({
  rpm: key?.rpm?.toString() ?? '',
  tpm: key?.tpm?.toString() ?? '',
  budgetUsd: key?.budget_micro_usd === null || key?.budget_micro_usd === undefined ? '' : String(key.budget_micro_usd / MICRO_PER_USD),
});

/** @throws RangeError on a field that is not a limit */
const limitsOf = (f: LimitFields) => ({
  rpm: parseLimit(f.rpm, 'Requests per minute'),
  tpm: parseLimit(f.tpm, 'Tokens per minute'),
  budget_micro_usd: parseUsd(f.budgetUsd),
});

function LimitInputs({ fields, onChange, idPrefix }: { fields: LimitFields; onChange: (f: LimitFields) => void; idPrefix: string }) {
  return (
    <div className="grid">
      <label>
        Requests / min
        <input
          name="rpm"
          inputMode="numeric"
          placeholder="unlimited"
          value={fields.rpm}
          data-testid={`${idPrefix}-rpm`}
          onChange={(e) => onChange({ ...fields, rpm: e.target.value })}
        />
      </label>
      <label>
        Tokens / min
        <input
          name="tpm"
          inputMode="numeric"
          placeholder="unlimited"
          value={fields.tpm}
          data-testid={`${idPrefix}-tpm`}
          onChange={(e) => onChange({ ...fields, tpm: e.target.value })}
        />
      </label>
      <label>
        Budget / month (USD)
        <input
          name="budget"
          inputMode="decimal"
          placeholder="unlimited"
          value={fields.budgetUsd}
          data-testid={`${idPrefix}-budget`}
          onChange={(e) => onChange({ ...fields, budgetUsd: e.target.value })}
        />
      </label>
    </div>
  );
}

function CreateKey({ onCreated, onSubmit }: { onCreated: (key: CreatedApiKey) => void; onSubmit: () => void }) {
  const [name, setName] = useState('');
  const [fields, setFields] = useState<LimitFields>(fieldsOf());
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    onSubmit(); // a secret shown for an earlier key goes: it must not sit next to this attempt's outcome
    try {
      const limits = limitsOf(fields);
      setBusy(true);
      onCreated(await sdk.admin.keys.create({ name: name.trim(), ...limits }));
      setName('');
      setFields(fieldsOf());
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <details>
      <summary data-testid="create-key-open">Create a key</summary>
      <form onSubmit={submit} data-testid="create-key-form">
        <label>
          Name
          <input name="name" required value={name} data-testid="create-key-name" onChange={(e) => setName(e.target.value)} />
        </label>
        <LimitInputs fields={fields} onChange={setFields} idPrefix="create-key" />
        {error ? (
          <p role="alert" className="error-text">
            {error}
          </p>
        ) : null}
        <button type="submit" aria-busy={busy} disabled={busy} data-testid="create-key-submit">
          Create key
        </button>
      </form>
    </details>
  );
}

function Spend({ k }: { k: ApiKey }) {
  const spent = k.spend.spent_micro_usd;
  if (k.budget_micro_usd === null)
    return (
      <span data-testid={`key-spend-${k.id}`} data-value={spent}>
        {formatUsd(spent)} (no budget)
      </span>
    );
  const share = k.budget_micro_usd > 0 ? Math.min(1, spent / k.budget_micro_usd) : 1;
  return (
    <span>
      <span data-testid={`key-spend-${k.id}`} data-value={spent}>
        {formatUsd(spent)}
      </span>{' '}
      of {formatUsd(k.budget_micro_usd)}
      <progress
        value={share}
        max={1}
        className={share >= 0.9 ? 'over-budget' : undefined}
        aria-label={`spend against budget of ${k.name}`}
      />
    </span>
  );
}

function KeyRow({ k, onChanged }: { k: ApiKey; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const [fields, setFields] = useState<LimitFields>(fieldsOf(k));
  const [error, setError] = useState<string | null>(null);
  async function run(action: () => PromiseLike<unknown>) {
    setError(null);
    try {
      await action();
      setEditing(false);
      onChanged();
    } catch (err) {
      setError(messageOf(err));
    }
  }
  const revoked = k.status === 'revoked';
  return (
    <tr data-testid={`key-row-${k.id}`}>
      <td style={{ overflowWrap: 'anywhere', maxWidth: '18rem' }}>
        {k.name}
        <br />
        <small className="muted">
          {k.prefix}… · {k.id}
        </small>
      </td>
      <td>{revoked ? <mark>revoked</mark> : 'active'}</td>
      <td>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run(() => sdk.admin.keys.update(k.id, limitsOf(fields)));
            }}
          >
            <LimitInputs fields={fields} onChange={setFields} idPrefix={`edit-${k.id}`} />
            <button type="submit" data-testid={`key-save-${k.id}`}>
              Save
            </button>{' '}
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <span data-testid={`key-limits-${k.id}`}>
            {k.rpm === null ? '∞' : formatCount(k.rpm)} req/min · {k.tpm === null ? '∞' : formatCount(k.tpm)} tok/min
          </span>
        )}
        {error ? (
          <p role="alert" className="error-text">
            {error}
          </p>
        ) : null}
      </td>
      <td>
        <Spend k={k} />
      </td>
      <td className="actions">
        {revoked ? null : (
          <>
            <button
              type="button"
              className="secondary outline"
              onClick={() => {
                setFields(fieldsOf(k));
                setEditing(true);
              }}
              data-testid={`key-edit-${k.id}`}
            >
              Limits
            </button>{' '}
            <button
              type="button"
              className="contrast outline"
              data-testid={`key-revoke-${k.id}`}
              onClick={() =>
                window.confirm(`Revoke ${k.name}? Its next request gets 401; this cannot be undone.`) &&
                run(() => sdk.admin.keys.revoke(k.id))
              }
            >
              Revoke
            </button>
          </>
        )}
      </td>
    </tr>
  );
}

export function KeysPanel({ keys, reload }: { keys: AsyncState<{ data: ApiKey[] }>; reload: () => void }) {
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      {created ? (
        <article className="secret" data-testid="created-key">
          <p>
            New key <strong>{created.name}</strong>. Copy its secret now — it is not shown again:
          </p>
          <pre data-testid="created-key-secret">{created.secret}</pre>
          <button type="button" className="secondary" onClick={() => setCreated(null)}>
            Done
          </button>
        </article>
      ) : null}
      <CreateKey
        onSubmit={() => setCreated(null)}
        onCreated={(key) => {
          setCreated(key);
          reload();
        }}
      />
      {keys.status === 'loading' ? <Loading what="keys" /> : null}
      {keys.status === 'error' ? <ErrorState error={keys.error} onRetry={reload} /> : null}
      {keys.status === 'ok' && keys.data.data.length === 0 ? <Empty>No API keys yet: create one above.</Empty> : null}
      {keys.status === 'ok' && keys.data.data.length > 0 ? (
        <div className="overflow-auto">
          <table className="striped" data-testid="keys-table">
            <thead>
              <tr>
                <th>Key</th>
                <th>Status</th>
                <th>Limits</th>
                <th>Spend this month</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {keys.data.data.map((k) => (
                <KeyRow key={`${k.id}-${k.rpm}-${k.tpm}-${k.budget_micro_usd}-${k.status}`} k={k} onChanged={reload} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
