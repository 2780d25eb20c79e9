/** `client.models`: `GET /v1/models`. */
import type { APIPromise } from '../api-promise.ts';
import type { Core, RequestOptions } from '../core.ts';
import type { ModelList } from '../types/models.ts';

export class Models {
  constructor(private readonly core: Core) {}

  /** Served models and aliases. @throws APIError subclasses, APIConnectionError, APIUserAbortError */
  list(options?: RequestOptions): APIPromise<ModelList> {
    return this.core.json<ModelList>({ method: 'GET', path: '/v1/models', auth: 'key' }, options);
  }
}
