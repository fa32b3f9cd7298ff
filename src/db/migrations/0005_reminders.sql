CREATE TABLE "reminder_deliveries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"batch_id" uuid NOT NULL,
	"campaign_id" uuid NOT NULL,
	"student_id" bigint NOT NULL,
	"centre_id" integer NOT NULL,
	"branch_id" integer NOT NULL,
	"channel" text NOT NULL,
	"recipient" text,
	"recipient_masked" text NOT NULL,
	"subject" text NOT NULL,
	"body" text,
	"body_masked" text NOT NULL,
	"status" text NOT NULL,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reminder_state" (
	"student_id" bigint PRIMARY KEY NOT NULL,
	"opted_out_at" timestamp with time zone,
	"opted_out_by" integer,
	"last_reminded_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "students" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_deliveries" ADD CONSTRAINT "reminder_deliveries_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reminder_state" ADD CONSTRAINT "reminder_state_student_id_students_id_fk" FOREIGN KEY ("student_id") REFERENCES "public"."students"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reminder_deliveries_due_idx" ON "reminder_deliveries" USING btree ("next_attempt_at") WHERE status IN ('queued', 'retrying', 'sending');--> statement-breakpoint
CREATE INDEX "reminder_deliveries_centre_idx" ON "reminder_deliveries" USING btree ("centre_id","id");--> statement-breakpoint
CREATE INDEX "reminder_deliveries_branch_idx" ON "reminder_deliveries" USING btree ("branch_id","id");--> statement-breakpoint
CREATE INDEX "reminder_deliveries_student_idx" ON "reminder_deliveries" USING btree ("student_id","id");