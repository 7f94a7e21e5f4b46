DROP INDEX "completions_challenge_idx";--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "share_solutions" boolean DEFAULT true NOT NULL;--> statement-breakpoint
CREATE INDEX "completions_challenge_awarded_idx" ON "completions" USING btree ("challenge_id","awarded_at" DESC NULLS LAST,"user_id" DESC NULLS LAST);