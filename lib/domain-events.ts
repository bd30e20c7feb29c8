import { createHash, randomUUID } from "node:crypto";
import type { ServiceBroker } from "moleculer";
import type { Role } from "./actor";
import { ensureChannelStreams } from "./channels";

/**
 * What one service tells others on durable channels (JetStream when distributed): the contract
 * between producers and consumers, in one place so that either side can be built first.
 * Moleculer's own events are fire-and-forget; anything another service must not miss (a purge, a
 * notification trigger) goes here. Every message carries an `eventId`, fixed when the fact
 * happened, so a consumer can drop a redelivered or re-sent copy (a notification's dedupe key).
 */
export interface DomainEventEnvelope {
	eventId: string;
	occurredAt: string;
}

export interface DomainEventPayloads {
	// accounts (auth)
	/** The grace period after an account deletion is over: every service removes what it holds about the user. */
	"accounts.purge": { userId: string; role: Role };

	// practice
	/** A practice session was deleted: whatever hangs off it (recordings, analysis, feedback, assignment credit) goes. */
	"sessions.deleted": { sessionId: string; studentId: string };

	// media
	/** A recording was deleted: its analysis (points, curves, rollups) and the pins on it go. */
	"media.video_deleted": { videoId: string; sessionId: string; studentId: string };
	/** Processing ended `failed` (rejected input, or retries exhausted). */
	"media.video_failed": { videoId: string; sessionId: string; studentId: string; code: string };

	// analytics
	"analytics.metrics_ready": { videoId: string; sessionId: string; studentId: string };
	"analytics.metrics_failed": { videoId: string; sessionId: string; studentId: string; code: string };

	// teaching (feedback, goals, assignments)
	"feedback.created": {
		feedbackId: string;
		authorId: string;
		/** Who is told: the student for a teacher's comment, the teacher for a student's reply. */
		recipientIds: string[];
		studentId: string;
		sessionId: string;
		videoId: string | null;
		/** Time in the recording, for a pin. */
		tMs: number | null;
		/** The first words of the text, plain. */
		excerpt: string;
		/** Set on a reply to a pin. */
		parentId: string | null;
	};
	"assignments.created": { assignmentId: string; teacherId: string; studentId: string; title: string; dueAt: string | null };
	"goals.set": { goalId: string; teacherId: string; studentId: string; minutesPerWeek: number | null; daysPerWeek: number | null };

	// scheduling
	/** One reminder of one lesson occurrence for one recipient; `eventId` is the reminder's own key. */
	"lessons.reminder_due": {
		reminderKey: string;
		lessonId: string;
		recipientId: string;
		/** The occurrence's original start (its identity), ISO. */
		occurrenceStart: string;
		/** When it actually starts (after a move), ISO: no reminder is delivered after it. */
		startsAt: string;
		title: string;
		minutesBefore: number;
	};
	"lessons.changed": {
		lessonId: string;
		/** The occurrence's original start, or null for the whole series. */
		occurrenceStart: string | null;
		change: "moved" | "cancelled";
		recipientIds: string[];
		title: string;
		startsAt: string | null;
	};
	/** A student's daily practice reminder at their local time (skipped when they already practised). */
	"practice.reminder_due": { reminderKey: string; studentId: string; localDate: string };

	// community
	"community.answered": { postId: string; answerId: string; authorId: string; recipientId: string; title: string };
	"community.commented": { postId: string; commentId: string; authorId: string; recipientId: string; title: string };
	"community.accepted": { postId: string; answerId: string; authorId: string; recipientId: string; title: string };
}

export type DomainChannel = keyof DomainEventPayloads;
export type DomainEvent<C extends DomainChannel> = DomainEventPayloads[C] & DomainEventEnvelope;

/**
 * Options for a channel that consumes a domain event: a consumer group created after messages were
 * sent (a service deployed later, or a new group) still reads what its stream kept, instead of
 * only what comes after it subscribed. Handlers must be idempotent anyway (redeliveries).
 */
export const READS_KEPT_MESSAGES = { nats: { consumerOptions: { config: { deliver_policy: "all" } } } } as const;

const streamsReady = new WeakMap<ServiceBroker, Map<string, Promise<void>>>();

/** Etude's namespace for name-based event ids (RFC 9562 §5.5): any fixed UUID does, as long as it never changes. */
const EVENT_ID_NAMESPACE = Buffer.from("5b1f3f0e7c2d4e8a9a61c0d3e4f5a6b7", "hex");

/**
 * The event id of a fact that can happen more than once (an answer accepted, un-accepted and accepted
 * again): the same name gives the same UUID (version 5), so consumers drop the repeat as a copy, and an
 * outbox, keyed by UUID, can record it.
 */
export function eventIdOf(name: string): string {
	const hash = createHash("sha1").update(EVENT_ID_NAMESPACE).update(name).digest();
	hash[6] = (hash[6]! & 0x0f) | 0x50;
	hash[8] = (hash[8]! & 0x3f) | 0x80;
	const hex = hash.subarray(0, 16).toString("hex");
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A fact with its envelope. Pass `eventId` when the fact has a natural identity (a reminder's key),
 * so that sending it again is recognisably the same.
 */
export function domainEvent<C extends DomainChannel>(payload: DomainEventPayloads[C], envelope: Partial<DomainEventEnvelope> = {}): DomainEvent<C> {
	return { ...payload, eventId: envelope.eventId ?? randomUUID(), occurredAt: envelope.occurredAt ?? new Date().toISOString() } as DomainEvent<C>;
}

/**
 * Sends a fact on its durable channel. The stream is created first, so a message sent while no
 * consumer has ever subscribed waits for them instead of being dropped.
 */
export async function sendDomainEvent<C extends DomainChannel>(broker: ServiceBroker, channel: C, event: DomainEvent<C>): Promise<void> {
	let streams = streamsReady.get(broker);
	if (!streams) streamsReady.set(broker, (streams = new Map()));
	let ready = streams.get(channel);
	if (!ready) {
		ready = ensureChannelStreams(broker, [channel]);
		streams.set(channel, ready);
		ready.catch(() => streams.delete(channel));
	}
	await ready;
	await broker.sendToChannel(channel, event);
}

/**
 * Makes and sends a fact at once. A change committed to the database announces itself through the
 * service's outbox instead (mixins/outbox.mixin.ts), so that a failed send cannot lose it.
 */
export async function publishDomainEvent<C extends DomainChannel>(
	broker: ServiceBroker,
	channel: C,
	payload: DomainEventPayloads[C],
	envelope: Partial<DomainEventEnvelope> = {}
): Promise<DomainEvent<C>> {
	const event = domainEvent<C>(payload, envelope);
	await sendDomainEvent(broker, channel, event);
	return event;
}
