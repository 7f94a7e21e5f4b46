DROP INDEX "completions_user_awarded_idx";--> statement-breakpoint
DROP INDEX "submissions_user_challenge_idx";--> statement-breakpoint
CREATE INDEX "challenges_status_created_idx" ON "challenges" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "completions_user_awarded_idx" ON "completions" USING btree ("user_id","awarded_at" DESC NULLS LAST,"challenge_id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "submissions_user_challenge_idx" ON "submissions" USING btree ("user_id","challenge_id","created_at" DESC NULLS LAST,"id" DESC NULLS LAST);