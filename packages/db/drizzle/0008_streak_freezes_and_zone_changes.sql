CREATE TABLE "streak_days" (
	"user_id" uuid NOT NULL,
	"day" date NOT NULL,
	"kind" text NOT NULL,
	"streak" integer DEFAULT 0 NOT NULL,
	"freezes" integer DEFAULT 0 NOT NULL,
	"earned_freeze" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "streak_days_user_id_day_pk" PRIMARY KEY("user_id","day"),
	CONSTRAINT "streak_days_kind_check" CHECK ("streak_days"."kind" in ('solved', 'frozen', 'skipped'))
);
--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "pending_timezone" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "pending_timezone_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "timezone_changed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "day_floor" date;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "freezes_held" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "solved_run" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "streak_days" ADD CONSTRAINT "streak_days_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_freezes_held_check" CHECK ("users"."freezes_held" between 0 and 2);