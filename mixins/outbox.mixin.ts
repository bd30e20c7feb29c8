import type { Service, ServiceSchema } from "moleculer";
import type { Sequelize, Transaction } from "sequelize";
import { QueryTypes } from "sequelize";
import { domainEvent, sendDomainEvent, type DomainChannel, type DomainEvent, type DomainEventEnvelope, type DomainEventPayloads } from "../lib/domain-events";
import { Cron } from "./cron.mixin";
import type { DatabaseActor } from "./db.mixin";

/** A recorded event waiting to be sent: what the relay reads back. */
interface RecordedEvent {
	channel: DomainChannel;
	event: DomainEvent<DomainChannel>;
}

/** How often each node's relay looks for events that were recorded but not sent. */
const RELAY_EVERY_MS = 5_000;
/** An event younger than this is still being sent by the request that recorded it. */
const GRACE_SECONDS = 5;
/** How long a relay may take to send what it claimed before another node sends it again. */
const CLAIM_SECONDS = 30;
/** Events claimed per statement. */
const BATCH_SIZE = 100;

/** The methods this mixin needs from DbMixin. */
interface OutboxHost extends Service {
	sequelize: Sequelize;
	systemActor(): { system: string };
	queryAsSystem<T extends object>(sql: string, replacements?: Record<string, unknown>): Promise<T[]>;
}

function tableOf(service: OutboxHost): string {
	return `${service.systemActor().system}_outbox`;
}

/**
 * A transactional outbox (migration 0018): `recordEvent` writes a domain event in the transaction
 * that makes the change it announces, `sendRecorded` sends it once that transaction has committed,
 * and a relay on a timer sends whatever a crash, a restart or a transporter outage left behind.
 * Delivery is at least once: a node that dies after sending and before deleting the row sends the
 * event again, under the same `eventId`, which consumers already drop as a copy.
 * Used with DbMixin; the table is `<system actor>_outbox`.
 */
export function Outbox(): Partial<ServiceSchema> {
	return {
		mixins: [Cron({ outboxRelay: { everyMs: RELAY_EVERY_MS, method: "relayOutbox", runAtStart: true } })],

		methods: {
			/**
			 * Records a fact in `transaction` (a person's, named by `actor`, or the service's own) and
			 * returns it, to be passed to `sendRecorded` after the commit. A fact the service records
			 * again under an `eventId` still waiting to be sent is the same fact: it is kept once. (Only
			 * the service's own facts can repeat: a person's get a fresh id, and a person may not see
			 * the outbox, which ON CONFLICT needs to.)
			 */
			async recordEvent<C extends DomainChannel>(
				this: OutboxHost,
				transaction: Transaction,
				actor: DatabaseActor,
				channel: C,
				payload: DomainEventPayloads[C],
				envelope?: Partial<DomainEventEnvelope>
			): Promise<RecordedEvent> {
				const event = domainEvent<C>(payload, envelope);
				const insert = `INSERT INTO ${tableOf(this)} (event_id, channel, event, recorded_by) VALUES (:eventId, :channel, :event, :recordedBy)`;
				await this.sequelize.query("system" in actor ? `${insert} ON CONFLICT (event_id) DO NOTHING` : insert, {
					replacements: { eventId: event.eventId, channel, event: JSON.stringify(event), recordedBy: "userId" in actor ? actor.userId : null },
					transaction,
					type: QueryTypes.INSERT
				});
				return { channel, event: event as DomainEvent<DomainChannel> };
			},

			/**
			 * Sends events whose transaction has committed, in order, and forgets each once sent. A
			 * failed send is left to the relay: the change is made and will be announced, so the
			 * request that made it succeeds.
			 */
			async sendRecorded(this: OutboxHost, recorded: readonly RecordedEvent[]): Promise<void> {
				for (const { channel, event } of recorded) {
					try {
						await sendDomainEvent(this.broker, channel, event);
					} catch (error) {
						this.logger.warn(`Could not send ${channel} ${event.eventId} now; the outbox relay sends it`, error);
						return;
					}
					await this.queryAsSystem(`DELETE FROM ${tableOf(this)} WHERE event_id = :eventId`, { eventId: event.eventId });
				}
			},

			/** Sends, oldest first, the events nobody sent; safe on several nodes at once (claims). */
			async relayOutbox(this: OutboxHost): Promise<void> {
				const table = tableOf(this);
				for (;;) {
					const claimed = await this.queryAsSystem<RecordedEvent>(
						`UPDATE ${table} SET claimed_until = now() + make_interval(secs => :claimSeconds)
						 WHERE event_id IN (
							SELECT event_id FROM ${table}
							WHERE recorded_at < now() - make_interval(secs => :graceSeconds) AND (claimed_until IS NULL OR claimed_until < now())
							ORDER BY recorded_at LIMIT :batchSize FOR UPDATE SKIP LOCKED)
						 RETURNING channel, event`,
						{ claimSeconds: CLAIM_SECONDS, graceSeconds: GRACE_SECONDS, batchSize: BATCH_SIZE }
					);
					const inOrder = claimed.sort((a, b) => a.event.occurredAt.localeCompare(b.event.occurredAt));
					for (const { channel, event } of inOrder) {
						await sendDomainEvent(this.broker, channel, event);
						await this.queryAsSystem(`DELETE FROM ${table} WHERE event_id = :eventId`, { eventId: event.eventId });
					}
					if (claimed.length < BATCH_SIZE) return;
				}
			}
		}
	};
}
