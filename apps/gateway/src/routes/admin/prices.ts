/**
 * `/admin/v1/prices`: the editable price table, seeded from config `metering.prices`. Wire unit:
 * integer micro-USD per 1M tokens (`input_micro_usd_per_mtok`; $0.15 / 1M tokens = 150000), the
 * stored unit, so nothing is rounded on the way. Admission reads the table per request
 * (metering/admission.ts), so a new price applies from the next request on.
 */
import { getPrice, listPrices, putPrice } from '@distillgate/db';
import { errors, parsePutPriceRequest } from '@distillgate/protocol';
import type { Handler } from 'hono';
import type { GatewayDeps, GatewayEnv } from '../../env.ts';
import { adminError, meteringDisabled, priceWire } from './wire.ts';

/** Longest model id accepted in the path. */
const MAX_MODEL_LENGTH = 256;

/** The `{model}` path parameter (ids may contain `/`: the route matches the rest of the path). */
function modelParam(value: string | undefined): string {
  if (!value || value.length > MAX_MODEL_LENGTH) {
    throw errors.invalidValue('model', `Invalid value for 'model': a model id is 1–${MAX_MODEL_LENGTH} characters.`);
  }
  return value;
}

/** `GET /admin/v1/prices` → ModelPriceList. */
export function listPricesRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function listPricesHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    return c.json({ object: 'list', data: (await listPrices(db)).map(priceWire) });
  };
}

/** `GET /admin/v1/prices/{model}` → ModelPrice, or 404 `price_not_found` (such a model costs 0). */
export function getPriceRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function getPriceHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const model = modelParam(c.req.param('model'));
    const price = await getPrice(db, model);
    if (!price) return adminError(404, 'price_not_found', `The model '${model}' has no price (its requests cost 0).`, 'model');
    return c.json(priceWire(price));
  };
}

/** `PUT /admin/v1/prices/{model}` → ModelPrice (insert or replace). */
export function putPriceRoute(deps: GatewayDeps): Handler<GatewayEnv> {
  return async function putPriceHandler(c) {
    const db = deps.metering?.db;
    if (!db) return meteringDisabled();
    const model = modelParam(c.req.param('model'));
    const body = parsePutPriceRequest(c.get('body'));
    const price = await putPrice(db, {
      model,
      inputMicroUsdPerMTok: body.input_micro_usd_per_mtok,
      outputMicroUsdPerMTok: body.output_micro_usd_per_mtok,
    });
    deps.logger.info('model price set', { request_id: c.get('requestId'), model });
    return c.json(priceWire(price));
  };
}
