-- Challenges list the languages they accept: existing ones take both (TypeScript is a superset whose
-- types are stripped). Submissions record the language they were judged as: every earlier one was
-- JavaScript. The daily pick asks `languages @> array[the user's language]`, which a GIN index answers.
DROP INDEX "challenges_pool_idx";--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "languages" text[] DEFAULT '{javascript,typescript}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "submissions" ADD COLUMN "language" text DEFAULT 'javascript' NOT NULL;--> statement-breakpoint
CREATE INDEX "challenges_pool_idx" ON "challenges" USING gin ("languages") WHERE "challenges"."status" = 'published';