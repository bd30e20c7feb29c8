import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
	url: string;
	stop(): Promise<void>;
}

/**
 * PostgreSQL compiled to WebAssembly (PGlite), served on a loopback port so the very same
 * `pg` + Sequelize code path runs as against a real server. The socket server multiplexes
 * connections onto one database session: statements interleave, but an open transaction
 * holds everyone else until it ends — never wait on a second connection inside one.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
	await mkdir(dataDir, { recursive: true });
	const db = await PGlite.create({ dataDir, extensions: { pg_trgm, unaccent } });
	const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 200 });
	await server.start();
	return {
		url: `postgres://postgres@${server.getServerConn()}/postgres`,
		async stop() {
			await server.stop();
			await db.close();
		}
	};
}
