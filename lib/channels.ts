import type { ServiceBroker } from "moleculer";

interface StreamCreatingAdapter {
	addPrefixTopic(topic: string): string;
	createStream?(streamName: string, subjects: string[], options: object): Promise<unknown>;
}

/**
 * JetStream keeps a channel's messages only once a stream exists for it, and the channels
 * library creates one when a consumer subscribes. A producer calls this for channels whose
 * consumers may not be running yet, so that what it sends waits for them instead of failing.
 * In-process channels need nothing.
 */
export async function ensureChannelStreams(broker: ServiceBroker, channelNames: string[]): Promise<void> {
	const adapter = (broker as unknown as { channelAdapter?: StreamCreatingAdapter }).channelAdapter;
	if (!adapter?.createStream) return;
	for (const name of channelNames) {
		const subject = adapter.addPrefixTopic(name);
		// The library names streams after the subject the same way, so consumers find this one.
		await adapter.createStream(subject.split(".").join("_"), [subject], {});
	}
}

interface HeaderCarrier {
	headers?: { get(name: string): string };
}

/**
 * The channel a dead-lettered message was first sent on, without the cluster's prefix. JetStream
 * moves a message to `DEAD_LETTER` after its last delivery failed, naming where it came from in a
 * header; every service that owns durable jobs reads that channel and settles its own.
 */
export function deadLetterOrigin(broker: ServiceBroker, raw: unknown): string | undefined {
	const original = (raw as HeaderCarrier | undefined)?.headers?.get("x-original-channel");
	if (!original) return undefined;
	const prefix = `${broker.namespace}.`;
	return original.startsWith(prefix) ? original.slice(prefix.length) : original;
}

/** The channel JetStream moves exhausted messages to (moleculer.config.ts). */
export const DEAD_LETTER_CHANNEL = "DEAD_LETTER";

/**
 * Moleculer merges schema keys it does not know by letting the service's value replace its mixins',
 * so a service declaring `channels` would silently drop the channels its mixins declare (the
 * personal-data mixin's purge consumer among them). Merged by channel name instead, the service
 * winning for a name both declare; installed once per process by whoever mixes channels in.
 */
export function mergeChannelsOfMixins(serviceClass: { prototype: object }): void {
	Object.assign(serviceClass.prototype, {
		mergeSchemaChannels(fromService: Record<string, unknown> | undefined, fromMixins: Record<string, unknown> | undefined) {
			return { ...fromMixins, ...fromService };
		}
	});
}
