CREATE TABLE `captured_prompts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`request_id` text NOT NULL,
	`key_id` text,
	`served_model` text NOT NULL,
	`endpoint` text NOT NULL,
	`body` text NOT NULL,
	`created_at_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `captured_prompts_request_id_unique` ON `captured_prompts` (`request_id`);--> statement-breakpoint
CREATE INDEX `captured_prompts_created` ON `captured_prompts` (`created_at_ms`);