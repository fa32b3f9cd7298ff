CREATE TABLE "reminder_sends" (
	"id" uuid PRIMARY KEY NOT NULL,
	"unit_id" integer NOT NULL,
	"campaign_id" uuid NOT NULL,
	"channel" text NOT NULL,
	"origin" text NOT NULL,
	"status" text NOT NULL,
	"total" integer NOT NULL,
	"count" integer NOT NULL,
	"queued" integer DEFAULT 0 NOT NULL,
	"skipped" jsonb NOT NULL,
	"cursor" bigint DEFAULT 0 NOT NULL,
	"sends_at" timestamp with time zone,
	"error" text,
	"attempts" smallint DEFAULT 0 NOT NULL,
	"lease_owner" uuid,
	"lease_until" timestamp with time zone,
	"created_by" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "reminder_state" ADD COLUMN "opted_out_via" text;--> statement-breakpoint
ALTER TABLE "reminder_sends" ADD CONSTRAINT "reminder_sends_campaign_id_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "reminder_sends_running_idx" ON "reminder_sends" USING btree ("created_at") WHERE status = 'running';