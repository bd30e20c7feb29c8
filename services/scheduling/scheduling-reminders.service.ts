import { Errors, type ServiceSchema } from "moleculer";
import { Op, type Transaction } from "sequelize";
import { publishDomainEvent, type DomainChannel, type DomainEventPayloads } from "../../lib/domain-events";
import type { NodeConfig } from "../../lib/node-config";
import { Cron } from "../../mixins/cron.mixin";
import { DbMixin } from "../../mixins/db.mixin";
import { defineSchedulingModels, findRows, type SchedulingModels, type ScheduledMessageRow } from "./models";
import { lockForPlanning, replanLessonReminders, replanPracticeReminders } from "./planning";
import { MAX_REMINDER_MINUTES, REMINDER_HORIZON_MS } from "./reminder-plan";

/** Reminders claimed and published per round; a full round is followed by another at once. */
const CLAIM_BATCH = 200;
const PUBLISH_EVERY_MS = 1000;
const PLAN_EVERY_MS = 10 * 60_000;
/** Sent and skipped rows are kept this long (they also stop a re-plan from sending a reminder again). */
const KEEP_DONE_MS = 30 * 86_400_000;

interface ClaimedMessage extends ScheduledMessageRow {
	title: string | null;
	practiceTimezone: string | null;
}

type Outcome = { key: string; sent: true } | { key: string; sent: false; skipReason?: string };

/**
 * The reminder worker: every second, claims the scheduled messages that are due (FOR UPDATE SKIP
 * LOCKED, so nodes never claim the same row at once), publishes each on its durable channel with
 * its key as `eventId`, then marks it sent. A claim is a lease: a node killed after claiming lets
 * another node take the rows over when the lease ends, and a node killed between publishing and
 * marking makes the next one publish again with the same eventId, which consumers drop. Every
 * ten minutes it tops up the reminder plan (planning.ts) as the horizon moves on.
 */
export default function schedulingRemindersService(config: NodeConfig): ServiceSchema {
	return {
		name: "scheduling-reminders",
		mixins: [
			DbMixin(defineSchedulingModels),
			Cron({
				publish: { everyMs: PUBLISH_EVERY_MS, method: "publishDue", runAtStart: true },
				plan: { everyMs: PLAN_EVERY_MS, method: "planAhead", runAtStart: true }
			})
		],

		methods: {
			async publishDue(): Promise<void> {
				for (;;) {
					const claimed: ClaimedMessage[] = await this.claimDue(CLAIM_BATCH);
					if (claimed.length === 0) return;
					const outcomes = await Promise.all(claimed.map((message) => this.publishOne(message)));
					await this.recordOutcomes(outcomes);
					if (claimed.length < CLAIM_BATCH) return;
				}
			},

			/**
			 * Raw SQL: FOR UPDATE SKIP LOCKED and a data-modifying CTE have no builder form. First marks
			 * pending messages that expired (the lesson has begun, the practice day is over), then leases
			 * up to `limit` due ones to this node, oldest first.
			 */
			async claimDue(limit: number): Promise<ClaimedMessage[]> {
				return this.queryAsSystem(
					`UPDATE scheduled_messages SET skipped_at = now(), skip_reason = 'expired'
					 WHERE sent_at IS NULL AND skipped_at IS NULL AND expires_at <= now() AND (lease_until IS NULL OR lease_until < now());
					 WITH due AS (
						SELECT message_key FROM scheduled_messages
						WHERE sent_at IS NULL AND skipped_at IS NULL AND due_at <= now() AND (lease_until IS NULL OR lease_until < now())
						ORDER BY due_at LIMIT :limit FOR UPDATE SKIP LOCKED
					 ), claimed AS (
						UPDATE scheduled_messages m
						SET claimed_by = :nodeId, lease_until = now() + :leaseMs * interval '1 millisecond', claims = m.claims + 1
						FROM due WHERE m.message_key = due.message_key
						RETURNING m.*
					 )
					 SELECT c.message_key AS "messageKey", c.kind, c.series_id AS "seriesId", c.recipient_id AS "recipientId",
					        c.occurrence_start AS "occurrenceStart", c.minutes_before AS "minutesBefore", c.local_date AS "localDate",
					        c.payload, c.due_at AS "dueAt", c.expires_at AS "expiresAt", c.claims,
					        s.title, ps.timezone AS "practiceTimezone"
					 FROM claimed c
					 LEFT JOIN lesson_series s ON s.id = c.series_id
					 LEFT JOIN practice_reminder_settings ps ON c.kind = 'practice_reminder' AND ps.student_id = c.recipient_id
					 ORDER BY c.due_at`,
					{ limit, nodeId: this.broker.nodeID, leaseMs: config.reminderLeaseMs }
				);
			},

			async publishOne(message: ClaimedMessage): Promise<Outcome | undefined> {
				const key = message.messageKey;
				// The database said it was not expired a moment ago; this node's clock has the last word.
				if (message.expiresAt && message.expiresAt.getTime() <= Date.now()) return { key, sent: false, skipReason: "expired" };
				try {
					switch (message.kind) {
						case "lesson_reminder":
							await this.send("lessons.reminder_due", message, {
								reminderKey: key,
								lessonId: message.seriesId!,
								recipientId: message.recipientId!,
								occurrenceStart: message.occurrenceStart!.toISOString(),
								startsAt: message.expiresAt!.toISOString(),
								title: message.title ?? "",
								minutesBefore: message.minutesBefore!
							});
							break;
						case "practice_reminder":
							if (await this.practisedOn(message)) return { key, sent: false, skipReason: "practised" };
							await this.send("practice.reminder_due", message, { reminderKey: key, studentId: message.recipientId!, localDate: message.localDate! });
							break;
						case "lesson_changed":
							await this.send("lessons.changed", message, message.payload as DomainEventPayloads["lessons.changed"]);
							break;
					}
					return { key, sent: true };
				} catch (error) {
					// Left claimed: once the lease ends, a node (maybe this one) tries again.
					this.logger.warn(`Scheduled message ${key} was not published; it is retried after its lease`, error);
					return undefined;
				}
			},

			async send<C extends DomainChannel>(channel: C, message: ClaimedMessage, payload: DomainEventPayloads[C]): Promise<void> {
				await publishDomainEvent(this.broker, channel, payload, { eventId: message.messageKey, occurredAt: message.dueAt.toISOString() });
			},

			/** Asks the practice service (never its tables) whether the student practised on that local day. */
			async practisedOn(message: ClaimedMessage): Promise<boolean> {
				if (!message.practiceTimezone) return true;
				try {
					const days: unknown[] = await this.broker.call("sessions.dailyMinutes", {
						studentId: message.recipientId,
						from: message.localDate,
						to: message.localDate,
						timezone: message.practiceTimezone
					});
					return days.length > 0;
				} catch (error) {
					if (error instanceof Errors.MoleculerClientError) return false;
					throw error;
				}
			},

			/** Marks each message once: a row already marked (by a node that took it over) stays as it is. */
			async recordOutcomes(outcomes: Array<Outcome | undefined>): Promise<void> {
				const { ScheduledMessage } = this.models as SchedulingModels;
				const done = outcomes.filter((outcome): outcome is Outcome => outcome !== undefined);
				const sent = done.filter((outcome) => outcome.sent).map((outcome) => outcome.key);
				const pending = { sentAt: null, skippedAt: null };
				await this.asSystem(async (transaction: Transaction) => {
					if (sent.length > 0) {
						await ScheduledMessage.update({ sentAt: new Date(), sentBy: this.broker.nodeID, leaseUntil: null }, { where: { messageKey: sent, ...pending }, transaction });
					}
					for (const reason of new Set(done.flatMap((outcome) => (outcome.sent ? [] : [outcome.skipReason ?? "skipped"])))) {
						const keys = done.filter((outcome) => !outcome.sent && (outcome.skipReason ?? "skipped") === reason).map((outcome) => outcome.key);
						await ScheduledMessage.update({ skippedAt: new Date(), skipReason: reason, leaseUntil: null }, { where: { messageKey: keys, ...pending }, transaction });
					}
				});
			},

			/**
			 * Tops up the plan as time moves on: each series that may have reminders within the horizon,
			 * and each daily practice reminder, is re-planned under its lock (skipped while someone
			 * is changing it: that change re-plans it). Old sent and skipped rows are removed.
			 */
			async planAhead(): Promise<void> {
				const { LessonSeries, PracticeReminder, ScheduledMessage } = this.models as SchedulingModels;
				const nowMs = Date.now();
				const reach = new Date(nowMs + REMINDER_HORIZON_MS + MAX_REMINDER_MINUTES * 60_000);
				const { series, practice } = await this.asSystem(async (transaction: Transaction) => ({
					series: await findRows<{ id: string }>(LessonSeries, {
						attributes: ["id"],
						where: { spanStart: { [Op.lt]: reach }, [Op.or]: [{ spanEnd: null }, { spanEnd: { [Op.gt]: new Date(nowMs) } }] },
						transaction
					}),
					practice: await findRows<{ studentId: string }>(PracticeReminder, { attributes: ["studentId"], where: { enabled: true }, transaction })
				}));
				for (const { id } of series as Array<{ id: string }>) {
					await this.asSystem(async (transaction: Transaction) => {
						if (await lockForPlanning(this.sequelize, transaction, [id], { wait: false })) await replanLessonReminders(this.models, transaction, id, nowMs);
					});
				}
				for (const { studentId } of practice as Array<{ studentId: string }>) {
					await this.asSystem(async (transaction: Transaction) => {
						if (await lockForPlanning(this.sequelize, transaction, [`practice:${studentId}`], { wait: false })) {
							await replanPracticeReminders(this.models, transaction, studentId, nowMs);
						}
					});
				}
				const before = new Date(nowMs - KEEP_DONE_MS);
				await this.asSystem((transaction: Transaction) =>
					ScheduledMessage.destroy({ where: { [Op.or]: [{ sentAt: { [Op.lt]: before } }, { skippedAt: { [Op.lt]: before } }] }, transaction })
				);
			}
		}
	};
}
