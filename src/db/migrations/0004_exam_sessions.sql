CREATE TABLE "exam_checks" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"session_id" integer,
	"student_id" bigint NOT NULL,
	"centre_id" integer NOT NULL,
	"admin_id" integer NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"photo_id" uuid,
	"similarity" real,
	"threshold" real,
	"decision" text NOT NULL,
	"reason" text,
	"live_face_score" real,
	"anti_spoof" real,
	"override" text,
	"override_reason" text,
	"override_by" integer,
	"override_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "exam_sessions" (
	"id" serial PRIMARY KEY NOT NULL,
	"centre_id" integer NOT NULL,
	"name" text NOT NULL,
	"room" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "exam_checks" ADD CONSTRAINT "exam_checks_session_id_exam_sessions_id_fk" FOREIGN KEY ("session_id") REFERENCES "public"."exam_sessions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exam_sessions" ADD CONSTRAINT "exam_sessions_centre_id_org_units_id_fk" FOREIGN KEY ("centre_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exam_checks_session_idx" ON "exam_checks" USING btree ("session_id","at");--> statement-breakpoint
CREATE INDEX "exam_checks_centre_at_idx" ON "exam_checks" USING btree ("centre_id","at");--> statement-breakpoint
CREATE INDEX "exam_sessions_centre_starts_idx" ON "exam_sessions" USING btree ("centre_id","starts_at");