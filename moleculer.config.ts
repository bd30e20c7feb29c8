import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import type { MiddlewareOptions } from "@moleculer/channels/types/src";
import type { BrokerOptions, Middleware } from "moleculer";
import type { EtudeConfig } from "./broker.config";
import { PermissionsMiddleware } from "./middlewares/permissions.middleware";

/**
 * Durable work queues: JetStream when distributed (acknowledged, redelivered, dead-lettered),
 * in-process otherwise, where the database is the source of truth for unfinished work.
 */
function channelsMiddleware(config: EtudeConfig): Middleware {
	const adapter = config.transporter
		? {
				type: "NATS",
				options: {
					nats: { url: config.transporter },
					// The library counts the first delivery as a retry: this is deliveries in all.
					maxRetries: config.channelMaxDeliveries,
					deadLettering: { enabled: true, queueName: "DEAD_LETTER" }
				}
			}
		: { type: "Fake", options: {} };
	// The package's generated types demand every adapter's options at once and a middleware
	// shape Moleculer's own types do not accept; the runtime contract is the documented one.
	const options = { adapter, context: true } as unknown as MiddlewareOptions;
	return ChannelsMiddleware(options) as unknown as Middleware;
}

/**
 * Broker options for one Etude node, from validated configuration. The same code runs the
 * embedded default (no transporter: every service in this process) and a distributed
 * cluster (NATS), so nothing here may assume which services share the process.
 */
export function brokerOptions(config: EtudeConfig): BrokerOptions {
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
		// Retries only what is safe to repeat: a node that vanished or timed out mid-request.
		// Creates stay idempotent because ids come from the client (or the gateway).
		retryPolicy: {
			enabled: true,
			retries: 5,
			delay: 100,
			maxDelay: 2000,
			factor: 2,
			check: (error: Error) => Boolean((error as Error & { retryable?: boolean }).retryable)
		},
		// On SIGTERM the broker stops taking requests, waits for those in flight, then leaves.
		tracking: { enabled: true, shutdownTimeout: 15_000 },
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
		started: (broker) => broker.broadcastLocal("$etude.ready"),
		middlewares: [
			PermissionsMiddleware,
			channelsMiddleware(config)
		]
	};
}
