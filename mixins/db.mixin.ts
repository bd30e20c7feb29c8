import type { ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeDbAdapter from "moleculer-db-adapter-sequelize";
import { QueryTypes, type ModelStatic, type Model, type Sequelize, type Transaction } from "sequelize";
import { databaseOf } from "../lib/db/connection";

export interface ServiceModels {
	/** The entity moleculer-db manages for this service. */
	primary: ModelStatic<Model>;
	[name: string]: ModelStatic<Model>;
}

/** Whose rights a transaction runs with, for row-level security. */
export interface DatabaseActor {
	userId: string;
	/** Students whose practice data the actor may read (a teacher's linked students). */
	readableStudentIds: readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// SET LOCAL returns no rows, so it can lead a multi-statement read without mixing into its result.
const ACT_AS =
	"SET LOCAL ROLE etude_app; SET LOCAL etude.user_id = :actingUserId; SET LOCAL etude.readable_students = :readableStudentIds";

function actorReplacements(actor: DatabaseActor): { actingUserId: string; readableStudentIds: string } {
	if (!UUID.test(actor.userId) || !actor.readableStudentIds.every((id) => UUID.test(id))) {
		throw new Error("Row-level security needs UUID identities");
	}
	return { actingUserId: actor.userId, readableStudentIds: actor.readableStudentIds.join(",") };
}

/**
 * Sequelize models on the broker's shared pool through moleculer-db, with none of
 * moleculer-db's generic CRUD actions exposed: every action a service offers is written
 * and authorised on purpose. Tables come from migrations, never from `sync()`.
 */
export function DbMixin(defineModels: (sequelize: Sequelize) => ServiceModels): Partial<ServiceSchema> {
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
			 */
			async transactionAs<T>(actor: DatabaseActor, work: (transaction: Transaction) => Promise<T>): Promise<T> {
				const sequelize: Sequelize = this.sequelize;
				return sequelize.transaction(async (transaction) => {
					await sequelize.query(ACT_AS, { replacements: actorReplacements(actor), transaction });
					return work(transaction);
				});
			},

			/**
			 * One read statement under the same row-level security, in a single round trip: a
			 * multi-statement query is its own implicit transaction, so the SET LOCALs end with it.
			 */
			async queryAs<T extends object>(actor: DatabaseActor, sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> {
				const sequelize: Sequelize = this.sequelize;
				return sequelize.query<T>(`${ACT_AS}; ${sql}`, {
					replacements: { ...replacements, ...actorReplacements(actor) },
					type: QueryTypes.SELECT
				});
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

