-- Tests are stored as `json` (the author's text, key order kept), not `jsonb` (keys reordered).
-- Challenges already stored keep the order jsonb gave them; from now on what is written is judged.
ALTER TABLE "challenges" ALTER COLUMN "hidden_tests" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "challenges" ALTER COLUMN "tests" SET DATA TYPE json USING "tests"::json;--> statement-breakpoint
ALTER TABLE "challenges" ALTER COLUMN "hidden_tests" SET DATA TYPE json USING "hidden_tests"::json;--> statement-breakpoint
ALTER TABLE "challenges" ALTER COLUMN "hidden_tests" SET DEFAULT '[]'::json;--> statement-breakpoint
ALTER TABLE "challenges" ALTER COLUMN "generator" SET DATA TYPE json USING "generator"::json;
