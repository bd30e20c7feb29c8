import type { Readable } from "node:stream";
import type { Context, Service, ServiceSchema } from "moleculer";
import type { Transaction } from "sequelize";
import { ZipFile } from "yazl";
import type { NodeConfig } from "../../lib/node-config";
import { newObjectKey, type ObjectStorage } from "../../lib/storage";
import { DbMixin } from "../../mixins/db.mixin";
import { EXPORT_ACTION, PERSONAL_DATA_SERVICES, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { ARCHIVE_KEPT_DAYS, defineExportModels, EXPORT_BUILD_CHANNEL, EXPORTS_SYSTEM_ACTOR, type ExportJobRow, type ExportModels } from "./models";

type ServiceExport = PersonalDataExport & { service: string };

/**
 * Builds export archives from the durable `exports.build` channel: every personal-data service's
 * rows as JSON (`data/<service>/<table>.json`) and the files they name (`files/…`), streamed into
 * one zip in the bucket. A service that cannot be reached fails the job, which is retried, rather
 * than handing out an archive with something missing.
 */
export default function exportWorkerService(config: NodeConfig): ServiceSchema {
	return {
		name: "export-worker",
		mixins: [DbMixin(defineExportModels, { systemActor: EXPORTS_SYSTEM_ACTOR }), StorageMixin(config)],

		channels: {
			[EXPORT_BUILD_CHANNEL]: {
				group: "export-workers",
				async handler(this: Service, ctx: Context<{ exportId: string }>) {
					await this.buildExport(ctx.params.exportId);
				}
			}
		},

		events: {
			// In-process channels keep nothing across restarts: the table says which jobs were left unfinished.
			async "$etude.ready"() {
				if (this.broker.transit) return;
				const { primary: ExportJob } = this.models as ExportModels;
				const pending = (await this.asSystem((transaction: Transaction) => ExportJob.findAll({ where: { status: "pending" }, raw: true, transaction }))) as ExportJobRow[];
				this.resumed = (async () => {
					for (const job of pending) await this.buildExport(job.id);
				})().catch((error: Error) => this.logger.warn("Resuming unfinished exports failed", error));
			}
		},

		methods: {
			async buildExport(exportId: string): Promise<void> {
				const { primary: ExportJob } = this.models as ExportModels;
				const job = (await this.asSystem((transaction: Transaction) => ExportJob.findOne({ where: { id: exportId }, raw: true, transaction }))) as ExportJobRow | null;
				if (!job || job.status !== "pending") return;
				await this.asSystem((transaction: Transaction) => ExportJob.increment("attempts", { where: { id: exportId }, transaction }));
				try {
					const parts: ServiceExport[] = await Promise.all(
						PERSONAL_DATA_SERVICES.map((service) => this.broker.call(`${service}.${EXPORT_ACTION}`, { userId: job.userId }) as Promise<ServiceExport>)
					);
					const archiveKey = newObjectKey("exports", "etude-export.zip");
					const sizeBytes = await this.writeArchive(archiveKey, job, parts);
					const [updated] = await this.asSystem((transaction: Transaction) =>
						ExportJob.update(
							{ status: "ready", archiveKey, sizeBytes, readyAt: new Date(), expiresAt: new Date(Date.now() + ARCHIVE_KEPT_DAYS * 86_400_000) },
							{ where: { id: exportId, status: "pending" }, transaction }
						)
					);
					// Purged (or finished by another delivery) meanwhile: this copy must not outlive it.
					if (updated === 0) await (this.storage as ObjectStorage).delete(archiveKey);
				} catch (error) {
					if (job.attempts + 1 >= config.channelMaxDeliveries) {
						this.logger.warn(`Export ${exportId} failed ${job.attempts + 1} times: giving up`, error);
						await this.asSystem((transaction: Transaction) =>
							ExportJob.update({ status: "failed", failureReason: "The export could not be built; please ask for a new one." }, { where: { id: exportId, status: "pending" }, transaction })
						);
						return;
					}
					throw error;
				}
			},

			/** Streams the zip into the bucket and returns its size. */
			async writeArchive(archiveKey: string, job: ExportJobRow, parts: ServiceExport[]): Promise<number> {
				const storage: ObjectStorage = this.storage;
				const zip = new ZipFile();
				const json = (value: unknown) => Buffer.from(`${JSON.stringify(value, null, 2)}\n`);
				const manifest = {
					userId: job.userId,
					exportId: job.id,
					exportedAt: new Date().toISOString(),
					data: parts.flatMap((part) => Object.keys(part.tables).map((table) => `data/${part.service}/${table}.json`)),
					files: parts.flatMap((part) => (part.objects ?? []).map((object) => `files/${object.fileName}`))
				};
				zip.addBuffer(json(manifest), "manifest.json");
				for (const part of parts) {
					for (const [table, rows] of Object.entries(part.tables)) zip.addBuffer(json(rows), `data/${part.service}/${table}.json`);
					for (const object of part.objects ?? []) {
						// Opened one at a time, when the zip reaches it.
						zip.addReadStreamLazy(`files/${object.fileName}`, (done) => {
							storage.get(object.key).then((stream: Readable) => done(null, stream), (error: Error) => done(error, undefined as never));
						});
					}
				}
				zip.end();
				let sizeBytes = 0;
				const output = zip.outputStream as Readable;
				output.on("data", (chunk: Buffer) => (sizeBytes += chunk.length));
				await storage.put(archiveKey, output, { contentType: "application/zip" });
				return sizeBytes;
			}
		},

		async stopped() {
			await this.resumed;
		}
	};
}
