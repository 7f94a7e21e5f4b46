CREATE TABLE "monthly_points" (
	"month_start" date NOT NULL,
	"user_id" uuid NOT NULL,
	"points" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "monthly_points_month_start_user_id_pk" PRIMARY KEY("month_start","user_id")
);
--> statement-breakpoint
CREATE TABLE "monthly_points_histogram" (
	"month_start" date NOT NULL,
	"points" integer NOT NULL,
	"users" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "monthly_points_histogram_month_start_points_pk" PRIMARY KEY("month_start","points")
);
--> statement-breakpoint
ALTER TABLE "monthly_points" ADD CONSTRAINT "monthly_points_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "monthly_points_rank_idx" ON "monthly_points" USING btree ("month_start","points" DESC NULLS LAST,"user_id");