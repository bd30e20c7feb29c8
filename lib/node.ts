import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import type { EtudeConfig, ServiceName } from "../broker.config";
import { brokerOptions } from "../moleculer.config";
import { attachDatabase, detachDatabase } from "./db/connection";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded-postgres";
import { migrateDatabase } from "./db/migrator";
import { PiiCipher } from "./pii";
import { readOrCreateFile } from "./data-dir-file";
import { resolvePiiKeys } from "./pii-keys";
import { migrations } from "../migrations";
import { buildRouteTable, type GatewayRouteTable } from "./gateway-routes";
import { startHealthServer } from "./health-server";
import type { NodeConfig } from "./node-config";
import { localVapidKeys } from "./vapid-keys";

type SchemaFactory = (config: NodeConfig) => ServiceSchema;

/**
 * What each name in SERVICES starts; a name is a deployable unit, possibly several services.
 * Modules load on demand, so a node pays only for what it runs (the gateway's S3 client, for
 * one, is heavy).
 */
const SERVICE_GROUPS: Record<ServiceName, { usesDatabase: boolean; load: () => Promise<SchemaFactory[]> }> = {
	api: { usesDatabase: false, load: async () => [(await import("../services/api.service")).default] },
	// Accounts, and the exports of everything held about them.
	auth: {
		usesDatabase: true,
		load: async () => [
			(await import("../services/auth.service")).default,
			(await import("../services/privacy/exports.service")).default,
			(await import("../services/privacy/export-worker.service")).default
		]
	},
	practice: {
		usesDatabase: true,
		load: async () => [(await import("../services/practice/sessions.service")).default, (await import("../services/practice/tags.service")).default]
	},
	media: {
		usesDatabase: true,
		load: async () => [(await import("../services/media/media-worker.service")).default, (await import("../services/media/media.service")).default]
	},
	analytics: { usesDatabase: true, load: async () => [(await import("../services/analytics/analytics.service")).default] },
	scheduling: {
		usesDatabase: true,
		load: async () => [(await import("../services/scheduling/scheduling.service")).default, (await import("../services/scheduling/scheduling-reminders.service")).default]
	},
	teaching: {
		usesDatabase: true,
		load: async () => [
			(await import("../services/teaching/feedback.service")).default,
			(await import("../services/teaching/goals.service")).default,
			(await import("../services/teaching/assignments.service")).default,
			(await import("../services/teaching/roster.service")).default
		]
	},
	notifications: {
		usesDatabase: true,
		load: async () => [
			(await import("../services/notifications/notifications.service")).default,
			(await import("../services/notifications/notifications-delivery.service")).default
		]
	},
	community: {
		usesDatabase: true,
		load: async () => [
			(await import("../services/community/community.service")).default,
			(await import("../services/community/community-moderation.service")).default,
			(await import("../services/community/community-ranks.service")).default
		]
	}
};

export interface EtudeNode {
	broker: ServiceBroker;
	config: NodeConfig;
	databaseUrl?: string;
	stop(): Promise<void>;
}

/**
 * Starts one node: the embedded database when no DATABASE_URL is given, migrations, then
 * the services named in SERVICES. The process's signal handlers are the caller's business.
 */
export async function startNode(config: EtudeConfig): Promise<EtudeNode> {
	const groups = config.services.map((name) => SERVICE_GROUPS[name]);
	const usesDatabase = groups.some((group) => group.usesDatabase);
	const piiKeys = await resolvePiiKeys(config);
	const nodeConfig: NodeConfig = { ...config, jwtSecret: config.jwtSecret ?? (await localSecret(config.dataDir)), piiKeys };
	if (config.services.includes("notifications") && !config.vapid) nodeConfig.vapid = await localVapidKeys(config.dataDir);
	if (config.services.includes("api")) nodeConfig.gatewayRoutes = await declaredGatewayRoutes(nodeConfig);

	const broker = new ServiceBroker({ ...brokerOptions(nodeConfig), skipProcessEventRegistration: true });
	let embedded: EmbeddedPostgres | undefined;
	let healthServer: Server | undefined;
	let databaseUrl = config.databaseUrl;
	try {
		if (usesDatabase) {
			if (!databaseUrl) {
				embedded = await startEmbeddedPostgres(path.join(config.dataDir, "pg"));
				databaseUrl = embedded.url;
			}
			await migrateDatabase(databaseUrl, broker.getLogger("migrations"), "up", migrations, { pii: new PiiCipher(piiKeys) });
			attachDatabase(broker, { url: databaseUrl, poolMax: config.databasePoolMax });
		}
		for (const group of groups) for (const factory of await group.load()) broker.createService(factory(nodeConfig));
		// The gateway answers health itself; any other node does so on HEALTH_PORT when asked to,
		// from before its services start: a worker waiting for the services it depends on is alive.
		if (!config.services.includes("api") && config.healthPort > 0) healthServer = await startHealthServer(broker, config.host, config.healthPort);
		await broker.start();
	} catch (error) {
		healthServer?.close();
		await broker.stop().catch(() => undefined);
		await detachDatabase(broker);
		await embedded?.stop();
		throw error;
	}

	return {
		broker,
		config: nodeConfig,
		databaseUrl,
		async stop() {
			// Health keeps answering through the drain, so a probe does not cut it short.
			await broker.stop();
			healthServer?.close();
			await detachDatabase(broker);
			await embedded?.stop();
		}
	};
}

/**
 * The gateway fronts every other group, wherever it runs: their routes come from their
 * schemas (factories build a schema and nothing else), not from the nodes that happen to
 * have joined yet.
 */
export async function declaredGatewayRoutes(config: NodeConfig): Promise<GatewayRouteTable> {
	const fronted = Object.keys(SERVICE_GROUPS).filter((name) => name !== "api") as ServiceName[];
	return buildRouteTable(await groupSchemas(config, fronted));
}

/** The service schemas each named group starts, built but not created. */
export async function groupSchemas(config: NodeConfig, names: ServiceName[]): Promise<Record<string, ServiceSchema[]>> {
	const schemas = await Promise.all(names.map(async (name) => [name, (await SERVICE_GROUPS[name].load()).map((factory) => factory(config))] as const));
	return Object.fromEntries(schemas);
}

/**
 * Outside production a missing JWT_SECRET is generated once and kept beside the data, so
 * tokens survive restarts and nodes sharing the data folder agree.
 */
async function localSecret(dataDir: string): Promise<string> {
	return (await readOrCreateFile(path.join(dataDir, "jwt-secret"), () => randomBytes(48).toString("base64url"))).trim();
}
