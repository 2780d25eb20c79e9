/**
 * GENERATED from the admin API's OpenAPI document (packages/protocol/src/admin-openapi.ts) by
 * openapi-typescript. Do not edit: run `npm run generate -w @distillgate/sdk`.
 */
export interface paths {
    "/admin/v1/session": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log in: exchange the admin token for an HttpOnly, SameSite=Strict session cookie (Path=/admin, 12 h) */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["AdminSessionRequest"];
                };
            };
            responses: {
                /** @description Set-Cookie carries the session. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminSession"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        /** Log out: the presented session stops working; the cookie is cleared */
        delete: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Logged out. */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                503: components["responses"]["AdminDisabled"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List keys (never their secrets) with each key's current-period spend */
        get: {
            parameters: {
                query?: {
                    /** @description `false` lists active keys only. */
                    include_revoked?: boolean;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Keys, oldest first. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKeyList"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        /** Create a key; its secret is in this answer only */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["CreateKeyRequest"];
                };
            };
            responses: {
                /** @description The new key and its secret. */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["CreatedApiKey"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description key id */
                id: string;
            };
            cookie?: never;
        };
        /** One key */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description key id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                404: components["responses"]["NotFound"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /** Change name and limits; null removes a limit; a new budget applies to the next request */
        patch: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description key id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["UpdateKeyRequest"];
                };
            };
            responses: {
                /** @description The updated key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                404: components["responses"]["NotFound"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        trace?: never;
    };
    "/admin/v1/keys/{id}/revoke": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description key id */
                id: string;
            };
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Revoke for good (its next request gets 401); revoking again keeps the first time */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description key id */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The revoked key. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ApiKey"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                404: components["responses"]["NotFound"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/prices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every model price */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Prices. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelPriceList"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/prices/{model}": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description served model id (may contain `/`) */
                model: string;
            };
            cookie?: never;
        };
        /** A model's price */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description served model id (may contain `/`) */
                    model: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The price. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelPrice"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                404: components["responses"]["NotFound"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        /** Set a model's price (requests admitted from now on pay it) */
        put: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description served model id (may contain `/`) */
                    model: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["PutPriceRequest"];
                };
            };
            responses: {
                /** @description The stored price. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ModelPrice"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage rows (newest first, paged by before_id) or, with group_by, sums per day / model / route */
        get: {
            parameters: {
                query?: {
                    /** @description One key. */
                    key_id?: string;
                    /** @description Served model id. */
                    model?: string;
                    route?: "edge" | "pool" | "escalated";
                    status?: "ok" | "upstream_error" | "rate_limited" | "client_aborted" | "stream_truncated";
                    /** @description Inclusive: ms since the Unix epoch, or ISO 8601. */
                    since?: string;
                    /** @description Exclusive: ms since the Unix epoch, or ISO 8601. */
                    until?: string;
                    /** @description Rows per page (not with group_by). */
                    limit?: number;
                    /** @description Rows with a smaller id: the previous page’s `next_before_id` (not with group_by). */
                    before_id?: number;
                    /** @description Aggregate instead of listing rows. */
                    group_by?: "day" | "model" | "route";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Rows, or aggregates with totals. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminUsageList"] | components["schemas"]["AdminUsageAggregate"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Usage statistics for the dashboard: sums per UTC hour or day × route, per key, model and route (with the teacher-only cost), latency and TTFT p50/p99 per route */
        get: {
            parameters: {
                query?: {
                    /** @description Series bucket: UTC hour or day. */
                    bucket?: "hour" | "day";
                    /** @description One key. */
                    key_id?: string;
                    /** @description Served model id. */
                    model?: string;
                    /** @description Inclusive: ms since the Unix epoch, or ISO 8601. */
                    since?: string;
                    /** @description Exclusive: ms since the Unix epoch, or ISO 8601. */
                    until?: string;
                    /** @description Model whose price gives the teacher-only cost; default: the first upstream model id with a price. */
                    teacher?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Statistics from the usage rows. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UsageStats"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Aliases, edge models (live version, channels, manifest metrics) and upstream models */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Models. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AdminModelList"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/routing": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Routed aliases: policy, active threshold, last calibration, shadow counts */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Routed aliases. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RoutingAliasList"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/routing/{alias}/calibrate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Calibrate the alias's threshold and check its edge model's canary from the shadow records now */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path: {
                    /** @description A routed alias */
                    alias: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The alias after calibration. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["RoutingAlias"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                404: components["responses"]["NotFound"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/v1/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description OpenAPI 3.1 */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": unknown;
                    };
                };
                401: components["responses"]["Unauthorized"];
                503: components["responses"]["AdminDisabled"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The calling API key's own usage: rows or aggregates (same parameters as the admin route, without key_id) */
        get: {
            parameters: {
                query?: {
                    /** @description Served model id. */
                    model?: string;
                    route?: "edge" | "pool" | "escalated";
                    status?: "ok" | "upstream_error" | "rate_limited" | "client_aborted" | "stream_truncated";
                    /** @description Inclusive: ms since the Unix epoch, or ISO 8601. */
                    since?: string;
                    /** @description Exclusive: ms since the Unix epoch, or ISO 8601. */
                    until?: string;
                    /** @description Rows per page (not with group_by). */
                    limit?: number;
                    /** @description Rows with a smaller id: the previous page’s `next_before_id` (not with group_by). */
                    before_id?: number;
                    /** @description Aggregate instead of listing rows. */
                    group_by?: "day" | "model" | "route";
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Rows, or aggregates with totals. */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UsageList"] | components["schemas"]["UsageAggregate"];
                    };
                };
                400: components["responses"]["BadRequest"];
                401: components["responses"]["Unauthorized"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ErrorResponse: {
            error: {
                message: string;
                type: string;
                /** @description The offending field, e.g. `budget_micro_usd`. */
                param: string | null;
                /** @description e.g. invalid_value, missing_required_parameter, invalid_api_key, key_not_found, admin_disabled */
                code: string | null;
            };
        };
        /** @description POST /admin/v1/session */
        AdminSessionRequest: {
            /** @description DISTILLGATE_ADMIN_TOKEN */
            token: string;
        };
        AdminSession: {
            /** @constant */
            object: "admin_session";
            /** @description ms since the Unix epoch */
            expires_at_ms: number;
        };
        /** @description POST /admin/v1/keys */
        CreateKeyRequest: {
            /** @description A label for people, e.g. the team or app using the key. */
            name: string;
            /** @description Model ids or aliases (body `model`) the key may request; null = any. */
            allowed_models?: string[] | null;
            /** @description Requests per minute; null = unlimited. */
            rpm?: number | null;
            /** @description Tokens per minute (prompt + completion); null = unlimited. */
            tpm?: number | null;
            /** @description Spend allowed per calendar month (UTC), integer micro-USD ($1 = 1000000); null = unlimited. */
            budget_micro_usd?: number | null;
        };
        /** @description PATCH /admin/v1/keys/{id}: absent fields stay as they are; null removes a limit. */
        UpdateKeyRequest: {
            /** @description A label for people, e.g. the team or app using the key. */
            name?: string;
            /** @description Model ids or aliases (body `model`) the key may request; null = any. */
            allowed_models?: string[] | null;
            /** @description Requests per minute; null = unlimited. */
            rpm?: number | null;
            /** @description Tokens per minute (prompt + completion); null = unlimited. */
            tpm?: number | null;
            /** @description Spend allowed per calendar month (UTC), integer micro-USD ($1 = 1000000); null = unlimited. */
            budget_micro_usd?: number | null;
        };
        /** @description The key's current-period spend (the budget's truth, not a sum of usage rows). */
        KeySpend: {
            /** @description The current budget period, `YYYY-MM` (UTC). */
            period: string;
            /** @description Settled spend this period. */
            spent_micro_usd: number;
            /** @description Held by requests in flight. */
            reserved_micro_usd: number;
        };
        /** @description An API key as listed: never its secret or hash. */
        ApiKey: {
            /** @constant */
            object: "api_key";
            /** @description `key_` + 16 base64url characters; what usage rows name. */
            id: string;
            name: string;
            /** @description The secret's first characters (`dg-` + 6), for recognising a key; never the secret. */
            prefix: string;
            /** @enum {string} */
            status: "active" | "revoked";
            /** @description Model ids or aliases allowed; null = any. */
            allowed_models: string[] | null;
            /** @description Requests per minute; null = unlimited. */
            rpm: number | null;
            /** @description Tokens per minute; null = unlimited. */
            tpm: number | null;
            /** @description Spend allowed per budget period, micro-USD; null = unlimited. */
            budget_micro_usd: number | null;
            /**
             * @description Calendar month, UTC.
             * @constant
             */
            budget_period: "month";
            /** @description ms since the Unix epoch */
            created_at_ms: number;
            /** @description ms since the Unix epoch; null while active. */
            revoked_at_ms: number | null;
            spend: components["schemas"]["KeySpend"];
        };
        /** @description The answer to POST /admin/v1/keys. */
        CreatedApiKey: {
            /** @constant */
            object: "api_key";
            /** @description `key_` + 16 base64url characters; what usage rows name. */
            id: string;
            name: string;
            /** @description The secret's first characters (`dg-` + 6), for recognising a key; never the secret. */
            prefix: string;
            /** @enum {string} */
            status: "active" | "revoked";
            /** @description Model ids or aliases allowed; null = any. */
            allowed_models: string[] | null;
            /** @description Requests per minute; null = unlimited. */
            rpm: number | null;
            /** @description Tokens per minute; null = unlimited. */
            tpm: number | null;
            /** @description Spend allowed per budget period, micro-USD; null = unlimited. */
            budget_micro_usd: number | null;
            /**
             * @description Calendar month, UTC.
             * @constant
             */
            budget_period: "month";
            /** @description ms since the Unix epoch */
            created_at_ms: number;
            /** @description ms since the Unix epoch; null while active. */
            revoked_at_ms: number | null;
            spend: components["schemas"]["KeySpend"];
            /** @description The bearer secret, shown here once: only its hash is stored. */
            secret: string;
        };
        /** @description Oldest first. */
        ApiKeyList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["ApiKey"][];
        };
        /** @description PUT /admin/v1/prices/{model} */
        PutPriceRequest: {
            /** @description Price of 1M prompt tokens in integer micro-USD (USD per 1M tokens × 10⁶: $0.15 → 150000). */
            input_micro_usd_per_mtok: number;
            /** @description Price of 1M completion tokens in integer micro-USD (USD per 1M tokens × 10⁶: $0.15 → 150000). */
            output_micro_usd_per_mtok: number;
        };
        ModelPrice: {
            /** @constant */
            object: "model_price";
            model: string;
            /** @description micro-USD per 1M prompt tokens */
            input_micro_usd_per_mtok: number;
            /** @description micro-USD per 1M completion tokens */
            output_micro_usd_per_mtok: number;
            /** @description ms since the Unix epoch */
            updated_at_ms: number;
        };
        /** @description By model id. */
        ModelPriceList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["ModelPrice"][];
        };
        /** @description One request, as its key holder sees it. */
        UsageRow: {
            /** @constant */
            object: "usage";
            /** @description Row id; pass the last one as `before_id` for the next page. */
            id: number;
            /** @description The x-request-id of the request. */
            request_id: string;
            /** @description null when the gateway ran without API keys. */
            key_id: string | null;
            /** @description Body `model` as sent (an alias or a served id). */
            requested_model: string;
            /** @description The model that answered; null when none did. */
            served_model: string | null;
            /** @description Its version (x-distillgate-model). */
            served_model_version: string | null;
            /** @enum {string|null} */
            route: "edge" | "pool" | "escalated" | null;
            stream: boolean;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /**
             * @description Counted by the model, or estimated by the gateway.
             * @enum {string}
             */
            usage_source: "upstream" | "estimated";
            /** @description What the request is charged, micro-USD. */
            cost_micro_usd: number;
            /** @description Arrival to last byte, ms. */
            latency_ms: number;
            /** @description Time to first token, ms; null when none was produced. */
            ttft_ms: number | null;
            /** @enum {string} */
            status: "ok" | "upstream_error" | "rate_limited" | "client_aborted" | "stream_truncated";
            /** @description ms since the Unix epoch */
            created_at_ms: number;
        };
        /** @description One request, with the internal fields. */
        AdminUsageRow: {
            /** @constant */
            object: "usage";
            /** @description Row id; pass the last one as `before_id` for the next page. */
            id: number;
            /** @description The x-request-id of the request. */
            request_id: string;
            /** @description null when the gateway ran without API keys. */
            key_id: string | null;
            /** @description Body `model` as sent (an alias or a served id). */
            requested_model: string;
            /** @description The model that answered; null when none did. */
            served_model: string | null;
            /** @description Its version (x-distillgate-model). */
            served_model_version: string | null;
            /** @enum {string|null} */
            route: "edge" | "pool" | "escalated" | null;
            stream: boolean;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /**
             * @description Counted by the model, or estimated by the gateway.
             * @enum {string}
             */
            usage_source: "upstream" | "estimated";
            /** @description What the request is charged, micro-USD. */
            cost_micro_usd: number;
            /** @description Arrival to last byte, ms. */
            latency_ms: number;
            /** @description Time to first token, ms; null when none was produced. */
            ttft_ms: number | null;
            /** @enum {string} */
            status: "ok" | "upstream_error" | "rate_limited" | "client_aborted" | "stream_truncated";
            /** @description ms since the Unix epoch */
            created_at_ms: number;
            /** @description The pool member that answered; null on the edge route or when none answered. */
            upstream_member: string | null;
            /** @description Not charged: student drafts of escalated requests, shadow runs; micro-USD. */
            internal_cost_micro_usd: number;
            /** @description The routing policy that chose the route (rules, cascade, learned); null outside routed aliases. */
            routing_policy: string | null;
            /** @description The policy's score: the cascade's confidence (its signal's units) or the learned router's predicted quality; null when none was computed. */
            confidence: number | null;
        };
        /** @description One page of usage rows. */
        UsageList: {
            /** @constant */
            object: "list";
            /** @description Newest first. */
            data: components["schemas"]["UsageRow"][];
            has_more: boolean;
            /** @description Pass as `before_id` for the next page; null on the last page. */
            next_before_id: number | null;
        };
        /** @description One page of usage rows. */
        AdminUsageList: {
            /** @constant */
            object: "list";
            /** @description Newest first. */
            data: components["schemas"]["AdminUsageRow"][];
            has_more: boolean;
            /** @description Pass as `before_id` for the next page; null on the last page. */
            next_before_id: number | null;
        };
        UsageTotals: {
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description micro-USD */
            cost_micro_usd: number;
        };
        AdminUsageTotals: {
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description micro-USD */
            cost_micro_usd: number;
            /** @description micro-USD */
            internal_cost_micro_usd: number;
        };
        UsageGroup: {
            /** @description `YYYY-MM-DD` (UTC) by day, the served model id by model, the route by route; null for rows without one. */
            group: string | null;
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description micro-USD */
            cost_micro_usd: number;
        };
        AdminUsageGroup: {
            /** @description `YYYY-MM-DD` (UTC) by day, the served model id by model, the route by route; null for rows without one. */
            group: string | null;
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description micro-USD */
            cost_micro_usd: number;
            /** @description micro-USD */
            internal_cost_micro_usd: number;
        };
        /** @description Sums per group over every matching row; `totals` is the sum of `data`. */
        UsageAggregate: {
            /** @constant */
            object: "usage_aggregate";
            /** @enum {string} */
            group_by: "day" | "model" | "route";
            /** @description Ordered by group (days ascending). */
            data: components["schemas"]["UsageGroup"][];
            totals: components["schemas"]["UsageTotals"];
        };
        /** @description Sums per group over every matching row; `totals` is the sum of `data`. */
        AdminUsageAggregate: {
            /** @constant */
            object: "usage_aggregate";
            /** @enum {string} */
            group_by: "day" | "model" | "route";
            /** @description Ordered by group (days ascending). */
            data: components["schemas"]["AdminUsageGroup"][];
            totals: components["schemas"]["AdminUsageTotals"];
        };
        EdgeModel: {
            /** @constant */
            object: "model";
            id: string;
            /** @constant */
            kind: "edge";
            /** @enum {string} */
            status: "not_loaded" | "loading" | "ready" | "unavailable";
            /** @description The live version (channels.json `live`, manifest `version`); null until known. */
            version: string | null;
            /** @description Tokens, from the live manifest. */
            context_length: number | null;
            /** @description Why the model is unavailable. */
            error: string | null;
            /** @description channels.json, where the gateway can read it (Node); null otherwise. */
            channels: {
                /** @description version folder */
                live: string | null;
                /** @description The canary version and its share of requests, or null. */
                canary: {
                    /** @description version folder */
                    version: string;
                    share: number;
                } | null;
            } | null;
            /** @description Version folders with a manifest.json (Node); [] where they can't be read. */
            versions: components["schemas"]["EdgeModelVersion"][];
        };
        EdgeModelVersion: {
            version: string;
            /** @enum {string|null} */
            channel: "live" | "canary" | null;
            /** @description ISO 8601, from the manifest. */
            created_at: string | null;
            /** @description From the manifest. */
            parameter_count: number | null;
            /** @description tokens */
            context_length: number | null;
            /** @description The manifest's measured metrics by name (`test_perplexity`, `test_top1_accuracy`, …): their `value`s. */
            metrics: {
                [key: string]: number;
            };
        };
        UpstreamModel: {
            /** @constant */
            object: "model";
            id: string;
            /** @constant */
            kind: "upstream";
            /** @description Every configured upstream serving this id. */
            members: {
                upstream: string;
                version: string;
                /** @description tokens */
                context_length: number;
            }[];
        };
        AliasModel: {
            /** @constant */
            object: "model";
            id: string;
            /** @constant */
            kind: "alias";
            /** @enum {string} */
            policy: "failover" | "pool";
            targets: ({
                upstream: string;
                /** @description the upstream model id; null = the alias */
                model: string | null;
            } | {
                edge: string;
            })[];
        };
        AdminModel: components["schemas"]["EdgeModel"] | components["schemas"]["UpstreamModel"] | components["schemas"]["AliasModel"];
        /** @description Aliases, edge models, then upstream model ids. */
        AdminModelList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["AdminModel"][];
        };
        /** @description A threshold calibrated from shadow records (the largest edge share meeting the target). */
        RoutingCalibration: {
            /** @description Serve on the edge when score ≥ threshold; null: no threshold meets the target. */
            threshold: number | null;
            /** @description Weighted share of shadow records kept on the edge. */
            edge_share: number;
            /** @description Weighted quality of the routed traffic at that threshold. */
            quality: number;
            /** @description Shadow records used. */
            records: number;
            /** @description ms since the Unix epoch */
            calibrated_at_ms: number;
        };
        /** @description The last canary check of the alias's edge model (shadow records of both versions). */
        CanaryCheck: {
            /** @description The edge model. */
            model: string;
            /** @description Live version when checked. */
            live: string;
            /** @description Canary version when checked. */
            canary: string;
            /** @enum {string} */
            decision: "promote" | "rollback" | "wait";
            /** @description mean quality(canary) − mean quality(live). */
            difference: number | null;
            /** @description 95 % interval of the difference (Welch's normal approximation). */
            interval: number[] | null;
            /** @description Shadow records of the live version. */
            live_records: number;
            /** @description Shadow records of the canary version. */
            canary_records: number;
            /** @description ms since the Unix epoch */
            checked_at_ms: number;
        };
        /** @description A routed alias: its policy, active threshold, calibration and shadow counts. */
        RoutingAlias: {
            /** @constant */
            object: "routing_alias";
            alias: string;
            /** @enum {string} */
            policy: "rules" | "cascade" | "learned";
            /** @description The active threshold (null: every request escalates). */
            threshold: number | null;
            /** @enum {string} */
            threshold_source: "config" | "calibration";
            calibration: components["schemas"]["RoutingCalibration"] | null;
            target: {
                /** @enum {string} */
                measure: "q" | "rouge_l" | "agreement";
                quality: number;
            };
            cascade: {
                /** @description K: tokens drafted before the gate decides */
                probe_tokens: number;
                signal: string;
            };
            shadow: {
                share: number;
                /** @description Shadow runs measured. */
                recorded: number;
                /** @description Shadow runs dropped (edge busy, no pool member). */
                dropped: number;
                /** @description Shadow runs that failed. */
                failed: number;
            };
            canary: components["schemas"]["CanaryCheck"] | null;
        };
        /** @description Every routed alias (policy rules, cascade or learned). */
        RoutingAliasList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["RoutingAlias"][];
        };
        /** @description Sums over every matching row. */
        StatsTotals: {
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description Charged to customers, micro-USD. */
            cost_micro_usd: number;
            /** @description Not charged (student drafts of escalated requests, shadow runs), micro-USD. */
            internal_cost_micro_usd: number;
            /** @description Requests a cascade routed (the escalation rate is escalated ÷ these). */
            cascade_requests: number;
            /** @description What the same rows would have cost served by the teacher at its configured price: per row ⌈(prompt × input + completion × output) / 10⁶⌉, micro-USD; 0 without a teacher price. */
            teacher_only_cost_micro_usd: number;
        };
        /** @description One time bucket × route; buckets without rows are absent. */
        StatsSeriesPoint: {
            /** @description Start of the UTC hour or day, ms since the Unix epoch. */
            bucket_start_ms: number;
            /**
             * @description null for rows no target served.
             * @enum {string|null}
             */
            route: "edge" | "pool" | "escalated" | null;
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description Charged to customers, micro-USD. */
            cost_micro_usd: number;
            /** @description Not charged (student drafts of escalated requests, shadow runs), micro-USD. */
            internal_cost_micro_usd: number;
            /** @description Requests a cascade routed (the escalation rate is escalated ÷ these). */
            cascade_requests: number;
            /** @description What the same rows would have cost served by the teacher at its configured price: per row ⌈(prompt × input + completion × output) / 10⁶⌉, micro-USD; 0 without a teacher price. */
            teacher_only_cost_micro_usd: number;
        };
        StatsGroup: {
            /** @description The key id, served model id or route; null for rows without one. */
            group: string | null;
            /** @description rows */
            requests: number;
            /** @description tokens */
            prompt_tokens: number;
            /** @description tokens */
            completion_tokens: number;
            /** @description tokens */
            total_tokens: number;
            /** @description Charged to customers, micro-USD. */
            cost_micro_usd: number;
            /** @description Not charged (student drafts of escalated requests, shadow runs), micro-USD. */
            internal_cost_micro_usd: number;
            /** @description Requests a cascade routed (the escalation rate is escalated ÷ these). */
            cascade_requests: number;
            /** @description What the same rows would have cost served by the teacher at its configured price: per row ⌈(prompt × input + completion × output) / 10⁶⌉, micro-USD; 0 without a teacher price. */
            teacher_only_cost_micro_usd: number;
        };
        /** @description Nearest-rank percentiles (the value at rank ⌈p/100 × n⌉ of the sorted sample) over the route’s `ok` rows. */
        RouteLatency: {
            /**
             * @description null for rows no target served.
             * @enum {string|null}
             */
            route: "edge" | "pool" | "escalated" | null;
            /** @description `ok` rows of the route: the latency sample. */
            requests: number;
            /** @description Arrival to last byte, 50th percentile, ms (nearest rank); null without a sample. */
            latency_p50_ms: number | null;
            /** @description Arrival to last byte, 99th percentile, ms (nearest rank); null without a sample. */
            latency_p99_ms: number | null;
            /** @description `ok` rows with a time to first token: the TTFT sample. */
            ttft_requests: number;
            /** @description Time to first token, 50th percentile, ms (nearest rank); null without a sample. */
            ttft_p50_ms: number | null;
            /** @description Time to first token, 99th percentile, ms (nearest rank); null without a sample. */
            ttft_p99_ms: number | null;
        };
        /** @description The price the teacher-only cost uses. */
        TeacherPrice: {
            model: string;
            /** @description micro-USD per 1M prompt tokens */
            input_micro_usd_per_mtok: number;
            /** @description micro-USD per 1M completion tokens */
            output_micro_usd_per_mtok: number;
        };
        /** @description Usage statistics from the usage rows; each grouping sums to `totals`. */
        UsageStats: {
            /** @constant */
            object: "usage_stats";
            /** @enum {string} */
            bucket: "hour" | "day";
            /** @description The query’s inclusive lower bound, ms since the Unix epoch; null = none. */
            since_ms: number | null;
            /** @description The query’s exclusive upper bound, ms since the Unix epoch; null = none. */
            until_ms: number | null;
            /** @description null when no teacher model has a price. */
            teacher: components["schemas"]["TeacherPrice"] | null;
            totals: components["schemas"]["StatsTotals"];
            /** @description By bucket, then route. */
            series: components["schemas"]["StatsSeriesPoint"][];
            /** @description By key id. */
            by_key: components["schemas"]["StatsGroup"][];
            /** @description By served model id. */
            by_model: components["schemas"]["StatsGroup"][];
            /** @description By route. */
            by_route: components["schemas"]["StatsGroup"][];
            /** @description Routes with at least one `ok` row. */
            latency: components["schemas"]["RouteLatency"][];
        };
    };
    responses: {
        /** @description `invalid_value` / `missing_required_parameter` / `invalid_json`, with `param`. */
        BadRequest: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"];
            };
        };
        /** @description `invalid_api_key`: no, a wrong or an expired credential, or one in the query string. */
        Unauthorized: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"];
            };
        };
        /** @description `key_not_found` / `price_not_found`. */
        NotFound: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"];
            };
        };
        /** @description `admin_disabled`: DISTILLGATE_ADMIN_TOKEN is not set. */
        AdminDisabled: {
            headers: {
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["ErrorResponse"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
