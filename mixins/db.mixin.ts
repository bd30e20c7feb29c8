import { createRequire } from "node:module";
import type { Context, ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeDbAdapter from "moleculer-db-adapter-sequelize";
import { QueryTypes, type FindOptions, type ModelStatic, type Model, type Sequelize, type Transaction } from "sequelize";
import type { EtudeMeta } from "../lib/actor";
import { databaseOf } from "../lib/db/connection";

export interface ServiceModels {
	/** The entity moleculer-db manages for this service. */
	primary: ModelStatic<Model>;
	[name: string]: ModelStatic<Model>;
}

/** A person acting through a request: their own rows, and a teacher's linked students' to read. */
export interface PersonActor {
	userId: string;
	/** Students whose data the actor may read (a teacher's linked students). */
	readableStudentIds: readonly string[];
}

/** A service doing its own work (a worker, a purge, sign-in before anyone is known). */
export interface SystemActor {
	system: string;
}

/** Whose rights a unit of work runs with, for row-level security (migrations/0004). */
export type DatabaseActor = PersonActor | SystemActor;

// Sequelize's own quoting of `:name` replacements and its mapping of attribute names to columns; CommonJS modules whose exports Node's ES loader cannot list.
const require = createRequire(import.meta.url);
const { injectReplacements } = require("sequelize/lib/utils/sql") as typeof import("sequelize/lib/utils/sql");
const { mapOptionFieldNames } = require("sequelize/lib/utils") as { mapOptionFieldNames<T extends object>(options: T, model: ModelStatic<Model>): T };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// SET LOCAL returns no rows, so it can lead a multi-statement query without mixing into its
// result, and it ends with the transaction. All three are always set, so nothing carries over.
const ACT_AS =
	"SET LOCAL ROLE etude_app; SET LOCAL etude.user_id = :actingUserId; SET LOCAL etude.readable_students = :readableStudentIds; SET LOCAL etude.system_actor = :systemActor";

function actorReplacements(actor: DatabaseActor): { actingUserId: string; readableStudentIds: string; systemActor: string } {
	if ("system" in actor) {
		if (!/^[a-z][a-z0-9-]*$/.test(actor.system)) throw new Error("A system actor is named in lower case");
		return { actingUserId: "", readableStudentIds: "", systemActor: actor.system };
	}
	if (!UUID.test(actor.userId) || !actor.readableStudentIds.every((id) => UUID.test(id))) {
		throw new Error("Row-level security needs UUID identities");
	}
	return { actingUserId: actor.userId, readableStudentIds: actor.readableStudentIds.join(","), systemActor: "" };
}

interface DriverResult {
	rows?: object[];
}

/** What Sequelize itself uses to send a query: its pool, its dialect (for quoting and error types). */
interface SequelizeInternals {
	queryInterface: { queryGenerator: { selectQuery(table: unknown, options: object, model: ModelStatic<Model>): string } };
	dialect: Parameters<typeof injectReplacements>[1] & { Query: new (connection: unknown, sequelize: Sequelize, options: object) => { formatError(error: Error, stack?: string): Error } };
	connectionManager: {
		getConnection(options: { type: string }): Promise<{ query(sql: string, callback: (error: Error | null, result: DriverResult | DriverResult[]) => void): void }>;
		releaseConnection(connection: unknown): void;
	};
}

/**
 * One query straight to a pooled connection: the same SQL Sequelize would send (its own quoting of
 * the replacements), its error types, the rows of every statement — without the rest of its query
 * machinery, which cost more CPU than the query itself on the hot read and create paths.
 */
async function sendQuery<T>(sequelize: Sequelize, sql: string, replacements: Record<string, unknown>): Promise<T[]> {
	return sendText<T>(sequelize, injectReplacements(sql, (sequelize as unknown as SequelizeInternals).dialect, replacements));
}

/** Sends SQL whose values are already in it (see sendQuery). */
async function sendText<T>(sequelize: Sequelize, text: string): Promise<T[]> {
	const internals = sequelize as unknown as SequelizeInternals;
	const connection = await internals.connectionManager.getConnection({ type: QueryTypes.SELECT });
	try {
		const result = await new Promise<DriverResult | DriverResult[]>((resolve, reject) =>
			connection.query(text, (error, answer) => (error ? reject(error) : resolve(answer)))
		);
		return (Array.isArray(result) ? result.flatMap((statement) => statement.rows ?? []) : (result.rows ?? [])) as T[];
	} catch (error) {
		// As Sequelize does: a connection that broke mid-query is not handed out again.
		if ((error as { code?: string }).code === "ECONNRESET") (connection as { _invalid?: boolean })._invalid = true;
		throw new internals.dialect.Query(connection, sequelize, {}).formatError(error as Error, (error as Error).stack);
	} finally {
		internals.connectionManager.releaseConnection(connection);
	}
}

export interface DbMixinOptions {
	/** The system actor this service's own work runs as; its tables' policies name it. Default: the service name. */
	systemActor?: string;
}

/**
 * Sequelize models on the broker's shared pool through moleculer-db, with none of
 * moleculer-db's generic CRUD actions exposed: every action a service offers is written
 * and authorised on purpose. Tables come from migrations, never from `sync()`.
 *
 * The pool works as the application role, which owns no table, and every table with a person's
 * data forces row-level security: a statement sees nothing unless it runs in a unit of work that
 * names its actor — `transactionAs`/`queryAs` for a person, `asSystem`/`queryAsSystem` for the
 * service's own work.
 */
export function DbMixin(defineModels: (sequelize: Sequelize) => ServiceModels, options: DbMixinOptions = {}): Partial<ServiceSchema> {
	return {
		mixins: [DbService],

		actions: {
			list: false,
			find: false,
			count: false,
			get: false,
			insert: false,
			create: false,
			update: false,
			remove: false,

			databaseHealth: {
				visibility: "public",
				idempotent: true,
				async handler(): Promise<{ ok: boolean; latencyMs: number; error?: string }> {
					const startedAt = performance.now();
					try {
						await this.sequelize.query("SELECT 1", { type: QueryTypes.SELECT });
						return { ok: true, latencyMs: Math.round((performance.now() - startedAt) * 100) / 100 };
					} catch (error) {
						return { ok: false, latencyMs: -1, error: (error as Error).message };
					}
				}
			}
		},

		methods: {
			/** The pool belongs to the broker (lib/db/connection.ts), which closes it last. */
			disconnect() {},

			/**
			 * Runs `work` in one transaction as the `etude_app` role with the actor's identity set,
			 * so PostgreSQL's row-level security policies hold even if a query forgets a filter.
			 * Never call another service inside `work`: on the embedded database that call would
			 * wait behind this transaction.
			 */
			async transactionAs<T>(actor: DatabaseActor, work: (transaction: Transaction) => Promise<T>): Promise<T> {
				const sequelize: Sequelize = this.sequelize;
				return sequelize.transaction(async (transaction) => {
					await sequelize.query(ACT_AS, { replacements: actorReplacements(actor), transaction });
					return work(transaction);
				});
			},

			/**
			 * One statement (or several, separated by semicolons) under the same row-level security,
			 * in a single round trip: a multi-statement query is its own implicit transaction, so the
			 * SET LOCALs end with it, and a failing statement undoes the others. Returns the rows.
			 */
			async queryAs<T extends object>(actor: DatabaseActor, sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
				return sendQuery<T>(this.sequelize, `${ACT_AS}; ${sql}`, { ...replacements, ...actorReplacements(actor) });
			},

			/**
			 * A model's `findAll` (plain rows, as with `raw: true`) in one round trip under the actor's
			 * row-level security, as queryAs: the SELECT Sequelize would send, without the transaction
			 * around it that would cost three more.
			 */
			async findAllAs<T extends object>(actor: DatabaseActor, model: ModelStatic<Model>, options: FindOptions): Promise<T[]> {
				const sequelize: Sequelize = this.sequelize;
				const internals = sequelize as unknown as SequelizeInternals;
				const mapped = mapOptionFieldNames({ ...options, attributes: options.attributes ?? Object.keys(model.getAttributes()) }, model);
				const select = internals.queryInterface.queryGenerator.selectQuery(model.getTableName(), { ...mapped, model }, model);
				return sendText<T>(sequelize, `${injectReplacements(ACT_AS, internals.dialect, actorReplacements(actor))}; ${select}`);
			},

			/** This service's own work (workers, timers, internal lookups), in one transaction. */
			async asSystem<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
				return this.transactionAs(this.systemActor(), work);
			},

			/** A query of this service's own work in one round trip (see queryAs). */
			async queryAsSystem<T extends object>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
				return this.queryAs(this.systemActor(), sql, replacements);
			},

			systemActor(): SystemActor {
				return { system: options.systemActor ?? this.name };
			},

			/** The caller as a person acting alone: their own rows only. */
			ownActor(ctx: Context<unknown, EtudeMeta>): PersonActor {
				return { userId: ctx.meta.user!.id, readableStudentIds: [] };
			},

			/** The caller with what they may read: a teacher also reads their linked students' rows. */
			async actorOf(ctx: Context<unknown, EtudeMeta>): Promise<PersonActor> {
				const user = ctx.meta.user!;
				const readableStudentIds: string[] =
					user.role === "teacher" ? await ctx.call("auth.linkedStudentIds", { teacherId: user.id }) : [];
				return { userId: user.id, readableStudentIds };
			}
		},

		created() {
			const sequelize = databaseOf(this.broker);
			const models = defineModels(sequelize);
			this.sequelize = sequelize;
			this.models = models;
			// moleculer-db built a placeholder adapter before this hook; replace it with one on
			// the shared pool, given a ready model so the adapter never syncs tables itself.
			this.schema.model = models.primary;
			this.adapter = new SequelizeDbAdapter(sequelize as unknown as object);
			this.adapter.init(this.broker, this);
		}
	};
}

