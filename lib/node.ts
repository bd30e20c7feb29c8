import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import type { EtudeConfig, ServiceName } from "../broker.config";
import { brokerOptions } from "../moleculer.config";
import { attachDatabase, detachDatabase } from "./db/connection";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded-postgres";
import { migrateDatabase } from "./db/migrator";
import type { NodeConfig } from "./node-config";

type SchemaFactory = (config: NodeConfig) => ServiceSchema;

/**
 * What each name in SERVICES starts; a name is a deployable unit, possibly several services.
 * Modules load on demand, so a node pays only for what it runs (the gateway's S3 client, for
 * one, is heavy).
 */
const SERVICE_GROUPS: Record<ServiceName, { usesDatabase: boolean; load: () => Promise<SchemaFactory[]> }> = {
	api: { usesDatabase: false, load: async () => [(await import("../services/api.service")).default] },
	auth: { usesDatabase: true, load: async () => [(await import("../services/auth.service")).default] },
	practice: {
		usesDatabase: true,
		load: async () => [(await import("../services/practice/sessions.service")).default, (await import("../services/practice/tags.service")).default]
	},
	media: { usesDatabase: true, load: async () => [(await import("../services/media/media.service")).default] },
	analytics: { usesDatabase: true, load: async () => [(await import("../services/analytics/analytics.service")).default] }
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
	const nodeConfig: NodeConfig = { ...config, jwtSecret: config.jwtSecret ?? (await localSecret(config.dataDir)) };

	const broker = new ServiceBroker({ ...brokerOptions(nodeConfig), skipProcessEventRegistration: true });
	let embedded: EmbeddedPostgres | undefined;
	let databaseUrl = config.databaseUrl;
	try {
		if (usesDatabase) {
			if (!databaseUrl) {
				embedded = await startEmbeddedPostgres(path.join(config.dataDir, "pg"));
				databaseUrl = embedded.url;
			}
			await migrateDatabase(databaseUrl, broker.getLogger("migrations"));
			attachDatabase(broker, { url: databaseUrl, poolMax: config.databasePoolMax });
		}
		for (const group of groups) for (const factory of await group.load()) broker.createService(factory(nodeConfig));
		await broker.start();
	} catch (error) {
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
			await broker.stop();
			await detachDatabase(broker);
			await embedded?.stop();
		}
	};
}

/**
 * Outside production a missing JWT_SECRET is generated once and kept beside the data, so
 * tokens survive restarts and nodes sharing the data folder agree.
 */
async function localSecret(dataDir: string): Promise<string> {
	const file = path.join(dataDir, "jwt-secret");
	try {
		return (await readFile(file, "utf8")).trim();
	} catch {
		await mkdir(dataDir, { recursive: true });
		const secret = randomBytes(48).toString("base64url");
		await writeFile(file, secret, { mode: 0o600, flag: "wx" }).catch(async () => undefined);
		return (await readFile(file, "utf8")).trim();
	}
}
