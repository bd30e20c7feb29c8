import { Service, type Context, type ServiceSchema } from "moleculer";
import { mergeChannelsOfMixins } from "../lib/channels";
import { READS_KEPT_MESSAGES, type DomainEvent } from "../lib/domain-events";

mergeChannelsOfMixins(Service);

/** What one service holds about a person, for an export (GDPR art. 15/20). */
export interface PersonalDataExport {
	/** Rows about the user, by table, as stored (JSON-safe values). */
	tables: Record<string, object[]>;
	/** Files in object storage that belong in the archive (original recordings, sensor files). */
	objects?: Array<{ key: string; fileName: string }>;
}

/** The action every personal-data service answers. */
export const EXPORT_ACTION = "exportPersonalData";

/**
 * Every service that mixes this in, by name: the export asks each of them, and an export with one
 * missing (its nodes down) waits for it rather than leave it out. test/unit/personal-data-services.spec.ts
 * checks this list against the services' schemas, so a new service cannot be forgotten.
 */
export const PERSONAL_DATA_SERVICES = [
	"auth",
	"sessions",
	"tags",
	"media",
	"analytics",
	"feedback",
	"goals",
	"assignments",
	"scheduling",
	"notifications",
	"community",
	"exports"
] as const;

interface PersonalDataService extends Service {
	exportPersonalData(userId: string): Promise<PersonalDataExport>;
	purgePersonalData(event: DomainEvent<"accounts.purge">): Promise<void>;
}

/**
 * Every service that stores something about a person mixes this in and implements two methods:
 * `exportPersonalData(userId)` (everything it holds about the user) and
 * `purgePersonalData(event)` (delete it all; must be idempotent, it may run twice).
 * The purge arrives on the durable `accounts.purge` channel in a consumer group of the service's
 * own, so every service gets the message, and one whose nodes were all down at the time purges
 * when it is back.
 */
export function PersonalDataMixin(): Partial<ServiceSchema> {
	return {
		actions: {
			[EXPORT_ACTION]: {
				visibility: "public",
				idempotent: true,
				params: { userId: { type: "uuid" } },
				async handler(this: PersonalDataService, ctx: Context<{ userId: string }>): Promise<PersonalDataExport & { service: string }> {
					return { service: this.name, ...(await this.exportPersonalData(ctx.params.userId)) };
				}
			}
		},

		channels: {
			"accounts.purge": {
				...READS_KEPT_MESSAGES,
				async handler(this: PersonalDataService, ctx: Context<DomainEvent<"accounts.purge">>) {
					await this.purgePersonalData(ctx.params);
				}
			}
		},

		created(this: Service) {
			for (const method of ["exportPersonalData", "purgePersonalData"]) {
				if (typeof (this as unknown as Record<string, unknown>)[method] !== "function") {
					throw new Error(`${this.name} holds personal data but has no ${method}() method`);
				}
			}
		}
	};
}
