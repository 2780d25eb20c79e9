CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`secret_sha256` text NOT NULL,
	`prefix` text NOT NULL,
	`name` text NOT NULL,
	`allowed_models` text,
	`rpm` integer,
	`tpm` integer,
	`budget_micro_usd` integer,
	`budget_period` text DEFAULT 'month' NOT NULL,
	`created_at_ms` integer NOT NULL,
	`revoked_at_ms` integer,
	CONSTRAINT "api_keys_budget_period" CHECK(budget_period IN ('month')),
	CONSTRAINT "api_keys_rpm" CHECK("api_keys"."rpm" IS NULL OR "api_keys"."rpm" > 0),
	CONSTRAINT "api_keys_tpm" CHECK("api_keys"."tpm" IS NULL OR "api_keys"."tpm" > 0),
	CONSTRAINT "api_keys_budget" CHECK("api_keys"."budget_micro_usd" IS NULL OR "api_keys"."budget_micro_usd" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_secret_sha256_unique` ON `api_keys` (`secret_sha256`);--> statement-breakpoint
CREATE TABLE `idempotency_records` (
	`key_id` text NOT NULL,
	`idempotency_key` text NOT NULL,
	`body_sha256` text NOT NULL,
	`request_id` text NOT NULL,
	`state` text NOT NULL,
	`lease_expires_at_ms` integer NOT NULL,
	`response_status` integer,
	`response_headers` text,
	`response_kind` text,
	`response_body` text,
	`created_at_ms` integer NOT NULL,
	`expires_at_ms` integer NOT NULL,
	PRIMARY KEY(`key_id`, `idempotency_key`),
	CONSTRAINT "idempotency_records_state" CHECK(state IN ('in_flight', 'done'))
);
--> statement-breakpoint
CREATE INDEX `idempotency_records_expires` ON `idempotency_records` (`expires_at_ms`);--> statement-breakpoint
CREATE TABLE `model_prices` (
	`model` text PRIMARY KEY NOT NULL,
	`input_micro_usd_per_mtok` integer NOT NULL,
	`output_micro_usd_per_mtok` integer NOT NULL,
	`updated_at_ms` integer NOT NULL,
	CONSTRAINT "model_prices_non_negative" CHECK("model_prices"."input_micro_usd_per_mtok" >= 0 AND "model_prices"."output_micro_usd_per_mtok" >= 0)
);
--> statement-breakpoint
CREATE TABLE `spend_counters` (
	`key_id` text NOT NULL,
	`period` text NOT NULL,
	`spent_micro_usd` integer DEFAULT 0 NOT NULL,
	`reserved_micro_usd` integer DEFAULT 0 NOT NULL,
	`updated_at_ms` integer NOT NULL,
	PRIMARY KEY(`key_id`, `period`),
	FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE cascade,
	CONSTRAINT "spend_counters_reserved" CHECK("spend_counters"."reserved_micro_usd" >= 0)
);
--> statement-breakpoint
CREATE TABLE `usage_attempts` (
	`request_id` text NOT NULL,
	`n` integer NOT NULL,
	`member` text NOT NULL,
	`outcome` text NOT NULL,
	`latency_ms` integer NOT NULL,
	PRIMARY KEY(`request_id`, `n`),
	FOREIGN KEY (`request_id`) REFERENCES `usage_events`(`request_id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `usage_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`key_id` text,
	`requested_model` text NOT NULL,
	`served_model` text,
	`served_model_version` text,
	`route` text,
	`upstream_member` text,
	`stream` integer NOT NULL,
	`prompt_tokens` integer NOT NULL,
	`completion_tokens` integer NOT NULL,
	`usage_source` text NOT NULL,
	`cost_micro_usd` integer NOT NULL,
	`internal_cost_micro_usd` integer DEFAULT 0 NOT NULL,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer,
	`status` text NOT NULL,
	`created_at_ms` integer NOT NULL,
	FOREIGN KEY (`key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "usage_events_route" CHECK("usage_events"."route" IS NULL OR route IN ('edge', 'pool', 'escalated')),
	CONSTRAINT "usage_events_status" CHECK(status IN ('ok', 'upstream_error', 'rate_limited', 'client_aborted', 'stream_truncated')),
	CONSTRAINT "usage_events_usage_source" CHECK(usage_source IN ('upstream', 'estimated')),
	CONSTRAINT "usage_events_counts" CHECK("usage_events"."prompt_tokens" >= 0 AND "usage_events"."completion_tokens" >= 0 AND "usage_events"."cost_micro_usd" >= 0 AND "usage_events"."internal_cost_micro_usd" >= 0 AND "usage_events"."latency_ms" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_events_request_id_unique` ON `usage_events` (`request_id`);--> statement-breakpoint
CREATE INDEX `usage_events_key_created` ON `usage_events` (`key_id`,`created_at_ms`);--> statement-breakpoint
CREATE INDEX `usage_events_created` ON `usage_events` (`created_at_ms`);