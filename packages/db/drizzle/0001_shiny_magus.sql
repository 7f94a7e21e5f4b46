CREATE TABLE "weekly_points_histogram" (
	"week_start" date NOT NULL,
	"points" integer NOT NULL,
	"users" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "weekly_points_histogram_week_start_points_pk" PRIMARY KEY("week_start","points")
);
--> statement-breakpoint
CREATE TABLE "points_histogram" (
	"points" integer PRIMARY KEY NOT NULL,
	"users" integer DEFAULT 0 NOT NULL
);
