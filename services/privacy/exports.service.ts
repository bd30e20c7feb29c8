import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { Op, type Transaction } from "sequelize";
import type { EtudeMeta } from "../../lib/actor";
import { ensureChannelStreams } from "../../lib/channels";
import { NotFoundError } from "../../lib/errors";
import type { NodeConfig } from "../../lib/node-config";
import type { ObjectStorage } from "../../lib/storage";
import { Cron } from "../../mixins/cron.mixin";
import { DbMixin } from "../../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import { StorageMixin } from "../../mixins/storage.mixin";
import { defineExportModels, DOWNLOAD_LINK_SECONDS, EXPORT_BUILD_CHANNEL, EXPORTS_SYSTEM_ACTOR, type ExportJobRow, type ExportModels } from "./models";

export interface ExportView {
	id: string;
	status: ExportJobRow["status"];
	createdAt: string;
	readyAt: string | null;
	/** When the archive is deleted; ask again for a new export after that. */
	expiresAt: string | null;
	sizeBytes: number | null;
	/** A signed link to the zip, valid for `DOWNLOAD_LINK_SECONDS`; present once ready. */
	downloadUrl: string | null;
	failureReason: string | null;
}

type ExportContext<P = Record<string, never>> = Context<P, EtudeMeta>;

/**
 * Exports of a person's data (GDPR art. 15/20): the API that starts a job and reports on it. The
 * archive is built by the export worker (export-worker.service.ts) from every personal-data service.
 */
export default function exportsService(config: NodeConfig): ServiceSchema {
	return {
		name: "exports",
		mixins: [
			DbMixin(defineExportModels, { systemActor: EXPORTS_SYSTEM_ACTOR }),
			StorageMixin(config),
			PersonalDataMixin(),
			Cron({ expiredArchives: { everyMs: 3_600_000, method: "expireArchives", runAtStart: true } })
		],
		settings: { rest: "/" },

		actions: {
			request: {
				rest: "POST /me/export",
				permissions: ["authenticated"],
				openapi: {
					summary: "Start an export of everything held about me (one zip: data as JSON, original recordings, sensor files)",
					description: "Answers 202 with the job; an export already under way is answered instead of starting another."
				},
				params: { $$strict: true },
				async handler(ctx: ExportContext): Promise<ExportView> {
					const userId = ctx.meta.user!.id;
					const { primary: ExportJob } = this.models as ExportModels;
					const { job, created } = await this.asSystem(async (transaction: Transaction) => {
						const pending = (await ExportJob.findOne({ where: { userId, status: "pending" }, raw: true, transaction })) as ExportJobRow | null;
						if (pending) return { job: pending, created: false };
						return { job: (await ExportJob.create({ id: randomUUID(), userId }, { transaction })).get({ plain: true }) as ExportJobRow, created: true };
					});
					if (created) {
						// The worker may not be running yet: the stream keeps the job for it.
						this.buildStreamReady ??= ensureChannelStreams(this.broker, [EXPORT_BUILD_CHANNEL]);
						await this.buildStreamReady;
						await this.broker.sendToChannel(EXPORT_BUILD_CHANNEL, { exportId: job.id });
					}
					ctx.meta.$statusCode = 202;
					// The gateway sets Location from $location only on 201 and redirects.
					ctx.meta.$responseHeaders = { Location: `/api/me/export/${job.id}` };
					return this.view(job);
				}
			},

			status: {
				rest: "GET /me/export/:id",
				permissions: ["authenticated"],
				openapi: { summary: "An export's state, and a fresh signed download link once it is ready" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: ExportContext<{ id: string }>): Promise<ExportView> {
					const { primary: ExportJob } = this.models as ExportModels;
					// Row-level security: one's own exports only.
					const job = (await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						ExportJob.findOne({ where: { id: ctx.params.id }, raw: true, transaction })
					)) as ExportJobRow | null;
					if (!job || job.userId !== ctx.meta.user!.id) throw new NotFoundError("Export", "ERR_EXPORT_NOT_FOUND");
					return this.view(job);
				}
			}
		},

		methods: {
			async view(job: ExportJobRow): Promise<ExportView> {
				const storage: ObjectStorage = this.storage;
				return {
					id: job.id,
					status: job.status,
					createdAt: job.createdAt.toISOString(),
					readyAt: job.readyAt?.toISOString() ?? null,
					expiresAt: job.expiresAt?.toISOString() ?? null,
					sizeBytes: job.sizeBytes === null ? null : Number(job.sizeBytes),
					downloadUrl: job.status === "ready" && job.archiveKey ? await storage.presignedGetUrl(job.archiveKey, DOWNLOAD_LINK_SECONDS) : null,
					failureReason: job.failureReason
				};
			},

			/** Archives past their time are deleted; the job stays, marked expired. */
			async expireArchives(): Promise<void> {
				const { primary: ExportJob } = this.models as ExportModels;
				const storage: ObjectStorage = this.storage;
				const due = (await this.asSystem((transaction: Transaction) =>
					ExportJob.findAll({ where: { status: "ready", expiresAt: { [Op.lte]: new Date() } }, raw: true, transaction })
				)) as ExportJobRow[];
				for (const job of due) {
					if (job.archiveKey) await storage.delete(job.archiveKey);
					await this.asSystem((transaction: Transaction) => ExportJob.update({ status: "expired", archiveKey: null }, { where: { id: job.id }, transaction }));
				}
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { primary: ExportJob } = this.models as ExportModels;
				const jobs = await this.asSystem((transaction: Transaction) =>
					ExportJob.findAll({ where: { userId }, attributes: { exclude: ["archiveKey"] }, order: [["createdAt", "ASC"]], raw: true, transaction })
				);
				return { tables: { personal_data_exports: jobs as object[] } };
			},

			/** The jobs and their archives, which hold a copy of everything else. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				const { primary: ExportJob } = this.models as ExportModels;
				const storage: ObjectStorage = this.storage;
				const jobs = (await this.asSystem((transaction: Transaction) => ExportJob.findAll({ where: { userId }, raw: true, transaction }))) as ExportJobRow[];
				for (const job of jobs) if (job.archiveKey) await storage.delete(job.archiveKey);
				await this.asSystem((transaction: Transaction) => ExportJob.destroy({ where: { userId }, transaction }));
			}
		}
	};
}
