import channels from "@moleculer/channels";

// A CommonJS module whose exports Node cannot name statically for ESM: take them from the default.
const { Adapters } = channels;

/** JetStream's answer when a durable consumer was created by someone else between our lookup and our create. */
const CONSUMER_NAME_IN_USE = 10013;

interface ChannelSubscription {
	id: string;
}

interface JetStreamError {
	api_error?: { err_code?: number };
}

export function isConsumerNameInUse(error: unknown): boolean {
	return (error as JetStreamError | undefined)?.api_error?.err_code === CONSUMER_NAME_IN_USE;
}

/**
 * The library's NATS adapter, tolerant of replicas starting together. Subscribing looks the
 * durable consumer up and creates it when missing; two nodes of one group doing that at the same
 * moment both create it, and the second is refused. The consumer it wanted exists by then, so
 * subscribing once more binds to it instead of failing the node's start.
 */
export class ReplicaSafeNatsAdapter extends Adapters.NATS {
	override async subscribe(chan: ChannelSubscription): Promise<void> {
		try {
			await super.subscribe(chan as never);
		} catch (error) {
			if (!isConsumerNameInUse(error)) throw error;
			// The failed attempt registered the channel's in-flight tracking; the retry registers it again.
			(this as unknown as { activeMessages: Map<string, unknown> }).activeMessages.delete(chan.id);
			await super.subscribe(chan as never);
		}
	}
}
