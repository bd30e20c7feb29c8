import { connect, type NatsConnection } from "nats";
import { ServiceBroker, type Context } from "moleculer";
import { httpClient, practiceSession, type Account } from "./http-client";
import { tusUpload } from "./tus";

/**
 * What a fleet of media and analytics workers did, seen from outside: every `media.processed`
 * (a recording became ready) and `analytics.metrics_ready`, with the node that sent it, heard by
 * an observer node on the same NATS; and the lag of the JetStream consumers that feed them.
 */
export interface Completion {
	videoId: string;
	nodeID: string;
	atMs: number;
}

export interface FleetObserver {
	processed: Completion[];
	analysed: Completion[];
	failed: Completion[];
	/** Messages waiting or in flight on each worker consumer, as KEDA's nats-jetstream trigger reads them. */
	queueLag(): Promise<Record<string, number>>;
	stop(): Promise<void>;
}

/** The worker consumers @moleculer/channels creates: stream per channel, durable consumer per group. */
const WORKER_CONSUMERS = [
	{ channel: "media.process", consumer: "media-workers" },
	{ channel: "media.transcode", consumer: "media-transcoders" },
	{ channel: "media.forum", consumer: "media-forum-workers" },
	{ channel: "media.audio_ready", consumer: "analytics" }
];

export async function observeFleet(natsUrl: string, namespace: string): Promise<FleetObserver> {
	const processed: Completion[] = [];
	const analysed: Completion[] = [];
	const failed: Completion[] = [];
	const record = (into: Completion[]) => (ctx: Context<{ videoId: string }>) => {
		into.push({ videoId: ctx.params.videoId, nodeID: ctx.nodeID ?? "?", atMs: performance.now() });
	};
	const broker = new ServiceBroker({ namespace, nodeID: `fleet-observer-${process.pid}`, transporter: natsUrl, logger: false });
	broker.createService({
		name: "fleet-observer",
		events: {
			"media.processed": record(processed),
			"analytics.metrics_ready": record(analysed),
			"media.failed": record(failed),
			"analytics.metrics_failed": record(failed)
		}
	});
	await broker.start();
	const nats: NatsConnection = await connect({ servers: natsUrl });
	const jetstream = await nats.jetstreamManager();
	return {
		processed,
		analysed,
		failed,
		async queueLag() {
			const lag: Record<string, number> = {};
			for (const { channel, consumer } of WORKER_CONSUMERS) {
				const stream = `${namespace}.${channel}`.split(".").join("_");
				const info = await jetstream.consumers.info(stream, consumer).catch(() => undefined);
				lag[channel] = info ? info.num_pending + info.num_ack_pending : 0;
			}
			return lag;
		},
		async stop() {
			await nats.close();
			await broker.stop();
		}
	};
}

/** Creates one practice session per clip and uploads the clip as its video; resolves with the sessions' ids. */
export async function uploadBacklog(baseUrl: string, student: Account, clips: Buffer[]): Promise<string[]> {
	const http = httpClient(baseUrl);
	const sessionIds: string[] = [];
	for (const clip of clips) {
		const session = await http.request("POST", "/api/sessions", { token: student.token, body: practiceSession() });
		if (session.status !== 201) throw new Error(`creating a session failed: ${session.status} ${JSON.stringify(session.body)}`);
		await tusUpload(clip, { baseUrl, token: student.token, metadata: { sessionId: session.body.id, kind: "video" }, chunkSize: 8 * 1024 ** 2 });
		sessionIds.push(session.body.id);
	}
	return sessionIds;
}

/** How many times each recording became ready (and by which nodes), from the observer's events. */
export function completionsByVideo(completions: Completion[]): Map<string, string[]> {
	const byVideo = new Map<string, string[]>();
	for (const { videoId, nodeID } of completions) byVideo.set(videoId, [...(byVideo.get(videoId) ?? []), nodeID]);
	return byVideo;
}
