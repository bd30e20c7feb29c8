import type { ServiceBroker } from "moleculer";
import { Sequelize } from "sequelize";

export interface DatabaseSettings {
	url: string;
	poolMax: number;
}

const databases = new WeakMap<ServiceBroker, Sequelize>();

/**
 * One connection pool per broker, shared by the services that broker runs: a node with
 * three database services holds one pool, not three. Closed when the broker stops.
 */
export function attachDatabase(broker: ServiceBroker, settings: DatabaseSettings): Sequelize {
	const sequelize = new Sequelize(settings.url, {
		dialect: "postgres",
		logging: false,
		pool: { max: settings.poolMax, min: 0, idle: 10_000, acquire: 15_000 },
		define: { underscored: true, timestamps: true },
		// Sequelize would otherwise repeat a failed statement, which inside a transaction only
		// turns a clear error (a unique violation) into "current transaction is aborted".
		retry: { max: 0 }
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
