/** `GET /v1/models` wire types. */

export interface Model {
  id: string;
  object: 'model';
  /** @unit seconds since the Unix epoch */
  created: number;
  owned_by: string;
  /** Edge models only: the live version (null until known). */
  version?: string | null;
  /** Edge models only. */
  status?: 'not_loaded' | 'loading' | 'ready' | 'unavailable';
}

export interface ModelList {
  object: 'list';
  data: Model[];
}
