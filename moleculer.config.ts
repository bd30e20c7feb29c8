import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { MiddlewareOptions } from "@moleculer/channels/types/src";
import type { BrokerOptions, Middleware, ServiceBroker } from "moleculer";
import type { EtudeConfig } from "./broker.config";
import { DEAD_LETTER_CHANNEL } from "./lib/channels";
import { ReplicaSafeNatsAdapter } from "./lib/jetstream-adapter";
import { isSafeToRetry, type RetriedAction } from "./lib/retry-policy";
import { PermissionsMiddleware } from "./middlewares/permissions.middleware";
import { TextInputMiddleware } from "./middlewares/text-input.middleware";

const NANOSECONDS_PER_DAY = 86_400 * 1e9;

/**
 * Durable work queues: JetStream when distributed (acknowledged, redelivered, dead-lettered),
 * in-process otherwise, where the database is the source of truth for unfinished work.
 */
function channelsMiddleware(config: EtudeConfig): Middleware {
	const adapter = config.transporter
		? new ReplicaSafeNatsAdapter({
				// Streams keep messages by limits, acknowledged ones too: without an age limit they
				// would grow forever. A stream keeps the settings it was created with: changing
				// these later takes `nats stream edit` on each stream (docs/deploy.md).
				nats: {
					url: config.transporter,
					streamConfig: { num_replicas: config.jetstreamReplicas, max_age: config.jetstreamMaxAgeDays * NANOSECONDS_PER_DAY }
				},
				// The library counts the first delivery as a retry: this is deliveries in all.
				maxRetries: config.channelMaxDeliveries,
				deadLettering: { enabled: true, queueName: DEAD_LETTER_CHANNEL }
			} as never)
		: { type: "Fake", options: {} };
	// The package's generated types demand every adapter's options at once and a middleware
	// shape Moleculer's own types do not accept; the runtime contract is the documented one.
	const options = { adapter, context: true } as unknown as MiddlewareOptions;
	return ChannelsMiddleware(options) as unknown as Middleware;
}

/** How long a stopping node waits for requests in flight; server.ts exits by SHUTDOWN_LIMIT_MS whatever happens. */
export const SHUTDOWN_DRAIN_MS = 12_000;
export const SHUTDOWN_LIMIT_MS = 15_000;

/**
 * Broker options for one Etude node, from validated configuration. The same code runs the
 * embedded default (no transporter: every service in this process) and a distributed
 * cluster (NATS), so nothing here may assume which services share the process.
 */
export function brokerOptions(config: EtudeConfig): BrokerOptions {
	let broker: ServiceBroker | undefined;
	// The action's definition as its node announced it (Moleculer's registry typings omit this lookup).
	const actionOf = (name: string) =>
		(broker?.registry as unknown as { getActionEndpoints(name: string): { endpoints: Array<{ action: RetriedAction }> } | undefined } | undefined)
			?.getActionEndpoints(name)
			?.endpoints[0]?.action;
	return {
		namespace: config.namespace,
		nodeID: config.nodeId,
		transporter: config.transporter ?? null,
		logger:
			config.logLevel === "silent"
				? false
				: {
						type: "Pino",
						options: {
							level: config.logLevel
						}
					},
		cacher: config.redisUrl ? { type: "Redis", options: { redis: config.redisUrl, prefix: config.namespace } } : "Memory",
		serializer: "JSON",
		requestTimeout: config.requestTimeoutMs,
		// Retries only what is safe to repeat (lib/retry-policy.ts): a call that never reached a
		// node, or an idempotent one (reads, client-id creates) that timed out on a node that vanished.
		retryPolicy: {
			enabled: true,
			retries: 5,
			delay: 100,
			maxDelay: 2000,
			factor: 2,
			check: (error: Error) => isSafeToRetry(error, actionOf)
		},
		// On SIGTERM the broker stops taking requests, waits for those in flight, then leaves.
		tracking: { enabled: true, shutdownTimeout: SHUTDOWN_DRAIN_MS },
		heartbeatInterval: 5,
		heartbeatTimeout: 15,
		registry: { strategy: "RoundRobin", preferLocal: true },
		circuitBreaker: { enabled: false },
		metrics: {
			enabled: config.metricsPort > 0,
			reporter: config.metricsPort > 0 ? [{ type: "Prometheus", options: { port: config.metricsPort, path: "/metrics" } }] : []
		},
		tracing: { enabled: false },
		validator: {
			type: "Fastest",
			options: {
				messages: {
					enumValue: "The '{field}' field must be one of: {expected}.",
					uuid: "The '{field}' field must be an id (UUID)."
				}
			}
		},
		// Middlewares (durable channels among them) start after the services: work that sends on a
		// channel at start waits for this local event instead.
		created: (created) => {
			broker = created;
		},
		started: (started) => started.broadcastLocal("$etude.ready"),
		// A middleware listed later wraps the ones before it: text is checked before permissions load any entity.
		middlewares: [
			PermissionsMiddleware,
			TextInputMiddleware,
			channelsMiddleware(config)
		]
	};
}
