import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import type { EtudeConfig, ServiceName } from "../broker.config";
import { brokerOptions } from "../moleculer.config";
import analyticsService from "../services/analytics/analytics.service";
import apiService from "../services/api.service";
import authService from "../services/auth.service";
import sessionsService from "../services/practice/sessions.service";
import tagsService from "../services/practice/tags.service";
import { attachDatabase, detachDatabase } from "./db/connection";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded-postgres";
import { migrateDatabase } from "./db/migrator";
import type { NodeConfig } from "./node-config";

/** What each name in SERVICES starts; a name is a deployable unit, possibly several services. */
const SERVICE_GROUPS: Record<ServiceName, { usesDatabase: boolean; schemas: (config: NodeConfig) => ServiceSchema[] }> = {
	api: { usesDatabase: false, schemas: (config) => [apiService(config)] },
	auth: { usesDatabase: true, schemas: (config) => [authService(config)] },
	practice: { usesDatabase: true, schemas: () => [sessionsService(), tagsService()] },
	analytics: { usesDatabase: true, schemas: (config) => [analyticsService(config)] }
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
		for (const group of groups) for (const schema of group.schemas(nodeConfig)) broker.createService(schema);
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
