import type { ServiceBroker } from "moleculer";
import { Sequelize } from "sequelize";

export interface DatabaseSettings {
	url: string;
	poolMax: number;
}

const databases = new WeakMap<ServiceBroker, Sequelize>();

/** The role every service connection works as: it owns no table, so row-level security always holds. */
export const APPLICATION_ROLE = "etude_app";

/**
 * Our statements are short index reads; a row-level-security filter makes the planner overestimate
 * their cost past PostgreSQL's JIT threshold, and compiling then took 100–170 ms of a 260 ms roster
 * read (bench:roster). Turned off per connection (PGlite accepts the setting too).
 */
export const NO_JIT_SETTING = "jit=off";

/**
 * One connection pool per broker, shared by the services that broker runs: a node with
 * three database services holds one pool, not three. Closed when the broker stops. Each
 * connection switches to the application role as it opens; migrations use their own
 * connection with the owner's rights (lib/db/migrator.ts).
 */
export function attachDatabase(broker: ServiceBroker, settings: DatabaseSettings): Sequelize {
	const sequelize = new Sequelize(settings.url, {
		dialect: "postgres",
		logging: false,
		pool: { max: settings.poolMax, min: 0, idle: 10_000, acquire: 15_000 },
		define: { underscored: true, timestamps: true },
		// Sequelize would otherwise repeat a failed statement, which inside a transaction only
		// turns a clear error (a unique violation) into "current transaction is aborted".
		retry: { max: 0 },
		hooks: {
			async afterConnect(connection) {
				const client = connection as unknown as { query(sql: string): Promise<unknown> };
				await client.query(`SET ROLE ${APPLICATION_ROLE}`);
				await client.query(`SET ${NO_JIT_SETTING}`);
			}
		}
	});
	databases.set(broker, sequelize);
	return sequelize;
}

export function databaseOf(broker: ServiceBroker): Sequelize {
	const sequelize = databases.get(broker);
	if (!sequelize) throw new Error("No database attached to this broker: create it with createBroker()");
	return sequelize;
}

export async function detachDatabase(broker: ServiceBroker): Promise<void> {
	const sequelize = databases.get(broker);
	databases.delete(broker);
	await sequelize?.close();
}
