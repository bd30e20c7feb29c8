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
