ALTER TABLE "challenges" ADD COLUMN "test_time_limit_ms" integer;--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "reference_test_ms" integer;