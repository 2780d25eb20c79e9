CREATE TABLE `routing_calibrations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`alias` text NOT NULL,
	`policy` text NOT NULL,
	`measure` text NOT NULL,
	`target` real NOT NULL,
	`threshold` real,
	`edge_share` real NOT NULL,
	`quality` real NOT NULL,
	`records` integer NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `routing_calibrations_alias` ON `routing_calibrations` (`alias`,`id`);--> statement-breakpoint
CREATE TABLE `shadow_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`alias` text NOT NULL,
	`policy` text NOT NULL,
	`sample_rate` real NOT NULL,
	`served_route` text,
	`rule` text,
	`status` text NOT NULL,
	`detail` text,
	`student_model` text,
	`student_version` text,
	`teacher_model` text,
	`cascade_score` real,
	`learned_score` real,
	`quality_q` real,
	`quality_rouge_l` real,
	`quality_agreement` integer,
	`student_tokens` integer,
	`teacher_tokens` integer,
	`internal_cost_micro_usd` integer DEFAULT 0 NOT NULL,
	`created_at_ms` integer NOT NULL,
	CONSTRAINT "shadow_records_status" CHECK(status IN ('recorded', 'dropped', 'failed')),
	CONSTRAINT "shadow_records_sample_rate" CHECK("shadow_records"."sample_rate" > 0 AND "shadow_records"."sample_rate" <= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shadow_records_request_id_unique` ON `shadow_records` (`request_id`);--> statement-breakpoint
CREATE INDEX `shadow_records_alias` ON `shadow_records` (`alias`,`id`);--> statement-breakpoint
ALTER TABLE `usage_events` ADD `routing_policy` text;--> statement-breakpoint
ALTER TABLE `usage_events` ADD `confidence` real;