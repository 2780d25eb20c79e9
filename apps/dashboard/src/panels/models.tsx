/**
 * Models: each edge student's versions from their manifests (parameters, context, distillation
 * metrics), which one is live and which in canary (with its share), and the routed aliases'
 * policies and thresholds.
 */
import { type AdminModel, type EdgeModel, fetchRouting, type RoutingAlias, sdk } from '../api.ts';
import { Empty, ErrorState, Loading } from '../ui.tsx';
import { formatCount, formatShare } from '../units.ts';
import { useAsync } from '../use-async.ts';

const isEdge = (m: AdminModel): m is EdgeModel => m.kind === 'edge';

function formatMetric(value: number): string {
  return Number.isInteger(value) ? formatCount(value) : value.toPrecision(4);
}

function EdgeModelCard({ model }: { model: EdgeModel }) {
  const metricNames = [...new Set(model.versions.flatMap((v) => Object.keys(v.metrics)))].sort();
  const canary = model.channels?.canary ?? null;
  return (
    <article data-testid={`edge-model-${model.id}`}>
      <header>
        <strong>{model.id}</strong> · {model.status}
        {model.version ? <> · live {model.version}</> : null}
        {canary ? (
          <>
            {' '}
            · canary {canary.version} ({formatShare(canary.share)} of requests)
          </>
        ) : null}
        {model.error ? <p className="error-text">{model.error}</p> : null}
      </header>
      {model.versions.length === 0 ? (
        <Empty>No version manifests readable here (on Workers the gateway cannot list the model folders).</Empty>
      ) : (
        <div className="overflow-auto">
          <table className="striped">
            <thead>
              <tr>
                <th>Version</th>
                <th>Channel</th>
                <th>Parameters</th>
                <th>Context</th>
                {metricNames.map((m) => (
                  <th key={m}>{m.replaceAll('_', ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {model.versions.map((v) => (
                <tr key={v.version} data-testid={`model-version-${model.id}-${v.version}`}>
                  <td>
                    {v.version}
                    {v.created_at ? (
                      <>
                        <br />
                        <small className="muted">{v.created_at.slice(0, 10)}</small>
                      </>
                    ) : null}
                  </td>
                  <td data-testid={`model-channel-${model.id}-${v.version}`}>{v.channel ? <mark>{v.channel}</mark> : '—'}</td>
                  <td>{v.parameter_count === null ? '—' : formatCount(v.parameter_count)}</td>
                  <td>{v.context_length === null ? '—' : formatCount(v.context_length)}</td>
                  {metricNames.map((m) => (
                    <td key={m}>{v.metrics[m] === undefined ? '—' : formatMetric(v.metrics[m])}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </article>
  );
}

function RoutingTable({ aliases }: { aliases: RoutingAlias[] }) {
  if (aliases.length === 0) return null;
  return (
    <div className="overflow-auto">
      <h3>Routed aliases</h3>
      <table className="striped" data-testid="routing-table">
        <thead>
          <tr>
            <th>Alias</th>
            <th>Policy</th>
            <th>Threshold</th>
            <th>Calibrated edge share</th>
            <th>Shadow runs</th>
          </tr>
        </thead>
        <tbody>
          {aliases.map((a) => (
            <tr key={a.alias}>
              <td>{a.alias}</td>
              <td>{a.policy}</td>
              <td>
                {a.threshold === null ? 'none (all escalate)' : a.threshold.toPrecision(3)}{' '}
                <small className="muted">({a.threshold_source})</small>
              </td>
              <td>{a.calibration ? formatShare(a.calibration.edge_share) : '—'}</td>
              <td>{formatCount(a.shadow.recorded)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelsPanel() {
  const [state, reload] = useAsync(async (signal) => {
    const [models, routing] = await Promise.all([sdk.admin.models.list({ signal }), fetchRouting(signal)]);
    return { edge: models.data.filter(isEdge), routing };
  }, []);
  return (
    <section aria-labelledby="models-title">
      <h2 id="models-title">Models</h2>
      {state.status === 'loading' ? <Loading what="models" /> : null}
      {state.status === 'error' ? <ErrorState error={state.error} onRetry={reload} /> : null}
      {state.status === 'ok' && state.data.edge.length === 0 ? <Empty>No edge models are configured (config `edge.models`).</Empty> : null}
      {state.status === 'ok' ? state.data.edge.map((m) => <EdgeModelCard key={m.id} model={m} />) : null}
      {state.status === 'ok' ? <RoutingTable aliases={state.data.routing} /> : null}
    </section>
  );
}
