CREATE TABLE "admins" (
	"id" serial PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" text NOT NULL,
	"unit_id" integer NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"admin_id" integer,
	"action" text NOT NULL,
	"unit_id" integer,
	"detail" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"student_ids" bigint[],
	"student_count" integer DEFAULT 0 NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "campaigns" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"semester" text NOT NULL,
	"semester_index" integer NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"spec_id" text DEFAULT 'chsi' NOT NULL,
	"exemption_semesters" smallint DEFAULT 2 NOT NULL,
	"support" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "centre_counts" (
	"campaign_id" uuid NOT NULL,
	"centre_id" integer NOT NULL,
	"branch_id" integer NOT NULL,
	"enrolled" integer DEFAULT 0 NOT NULL,
	"exempt" integer DEFAULT 0 NOT NULL,
	"needs_review" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "centre_counts_campaign_id_centre_id_pk" PRIMARY KEY("campaign_id","centre_id")
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"student_id" bigint NOT NULL,
	"version" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"ip" text
);
--> statement-breakpoint
CREATE TABLE "daily_counts" (
	"campaign_id" uuid NOT NULL,
	"centre_id" integer NOT NULL,
	"branch_id" integer NOT NULL,
	"day" date NOT NULL,
	"submitted" integer DEFAULT 0 NOT NULL,
	"approved" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "daily_counts_campaign_id_day_centre_id_pk" PRIMARY KEY("campaign_id","day","centre_id")
);
--> statement-breakpoint
CREATE TABLE "exemptions" (
	"campaign_id" uuid NOT NULL,
	"student_id" bigint NOT NULL,
	"photo_id" uuid NOT NULL,
	CONSTRAINT "exemptions_campaign_id_student_id_pk" PRIMARY KEY("campaign_id","student_id")
);
--> statement-breakpoint
CREATE TABLE "org_units" (
	"id" serial PRIMARY KEY NOT NULL,
	"parent_id" integer,
	"level" text NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "photo_files" (
	"key" text PRIMARY KEY NOT NULL,
	"bytes" "bytea" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "photos" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"student_id" bigint NOT NULL,
	"campaign_id" uuid NOT NULL,
	"status" text NOT NULL,
	"source" text DEFAULT 'upload' NOT NULL,
	"source_type" text,
	"source_bytes" integer,
	"spec_id" text NOT NULL,
	"progress" real DEFAULT 0 NOT NULL,
	"error_code" text,
	"verdict" text,
	"report" jsonb,
	"backgrounds" text[],
	"has_cutout" boolean DEFAULT false NOT NULL,
	"embedding" real[],
	"background" text,
	"reviewer_id" integer,
	"reason" text,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"reviewed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"subject_id" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "students" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"student_number" text NOT NULL,
	"name" text NOT NULL,
	"id_number_enc" "bytea" NOT NULL,
	"id_number_hmac" "bytea" NOT NULL,
	"id_number_masked" text NOT NULL,
	"centre_id" integer NOT NULL,
	"branch_id" integer NOT NULL,
	"enrolment_status" text DEFAULT 'enrolled' NOT NULL,
	"intake_semester" text NOT NULL,
	"phone" text,
	"consent_version" text,
	"consent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "submissions" (
	"campaign_id" uuid NOT NULL,
	"student_id" bigint NOT NULL,
	"photo_id" uuid NOT NULL,
	"status" text NOT NULL,
	"centre_id" integer NOT NULL,
	"branch_id" integer NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"reviewed_at" timestamp with time zone,
	CONSTRAINT "submissions_campaign_id_student_id_pk" PRIMARY KEY("campaign_id","student_id")
);
--> statement-breakpoint
ALTER TABLE "admins" ADD CONSTRAINT "admins_unit_id_org_units_id_fk" FOREIGN KEY ("unit_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "org_units" ADD CONSTRAINT "org_units_parent_id_org_units_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "photos" ADD CONSTRAINT "photos_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "students" ADD CONSTRAINT "students_centre_id_org_units_id_fk" FOREIGN KEY ("centre_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "students" ADD CONSTRAINT "students_branch_id_org_units_id_fk" FOREIGN KEY ("branch_id") REFERENCES "public"."org_units"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "submissions" ADD CONSTRAINT "submissions_photo_id_photos_id_fk" FOREIGN KEY ("photo_id") REFERENCES "public"."photos"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "admins_username_uq" ON "admins" USING btree ("username");--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "consents_student_idx" ON "consents" USING btree ("student_id");--> statement-breakpoint
CREATE UNIQUE INDEX "org_units_code_uq" ON "org_units" USING btree ("code");--> statement-breakpoint
CREATE INDEX "org_units_parent_idx" ON "org_units" USING btree ("parent_id");--> statement-breakpoint
CREATE INDEX "photos_student_idx" ON "photos" USING btree ("student_id","created_at");--> statement-breakpoint
CREATE INDEX "photos_processing_idx" ON "photos" USING btree ("created_at") WHERE status = 'processing';--> statement-breakpoint
CREATE INDEX "sessions_expires_idx" ON "sessions" USING btree ("expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "students_number_uq" ON "students" USING btree ("student_number");--> statement-breakpoint
CREATE INDEX "students_centre_idx" ON "students" USING btree ("centre_id","id");--> statement-breakpoint
CREATE INDEX "students_branch_idx" ON "students" USING btree ("branch_id","id");--> statement-breakpoint
CREATE INDEX "students_id_hmac_idx" ON "students" USING btree ("id_number_hmac");--> statement-breakpoint
CREATE INDEX "submissions_status_idx" ON "submissions" USING btree ("campaign_id","status","centre_id");--> statement-breakpoint
CREATE INDEX "submissions_student_idx" ON "submissions" USING btree ("student_id","status");