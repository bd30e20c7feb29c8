import { DataTypes, type Sequelize } from "sequelize";

export type ExportStatus = "pending" | "ready" | "failed" | "expired";

export interface ExportJobRow {
	id: string;
	userId: string;
	status: ExportStatus;
	archiveKey: string | null;
	sizeBytes: string | null;
	failureReason: string | null;
	attempts: number;
	createdAt: Date;
	updatedAt: Date;
	readyAt: Date | null;
	expiresAt: Date | null;
}

/** An export job and, once built, its archive in the bucket (migrations/0013). */
export function defineExportModels(sequelize: Sequelize) {
	const ExportJob = sequelize.define(
		"ExportJob",
		{
			id: { type: DataTypes.UUID, primaryKey: true },
			userId: { type: DataTypes.UUID, allowNull: false },
			status: { type: DataTypes.ENUM("pending", "ready", "failed", "expired"), allowNull: false, defaultValue: "pending" },
			archiveKey: { type: DataTypes.TEXT },
			sizeBytes: { type: DataTypes.BIGINT },
			failureReason: { type: DataTypes.TEXT },
			attempts: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			readyAt: { type: DataTypes.DATE },
			expiresAt: { type: DataTypes.DATE }
		},
		{ tableName: "personal_data_exports" }
	);
	return { primary: ExportJob };
}

export type ExportModels = ReturnType<typeof defineExportModels>;

/** Both export services act as one system actor, the one the table's policy names. */
export const EXPORTS_SYSTEM_ACTOR = "exports";

/** The durable job queue between the API and the worker. */
export const EXPORT_BUILD_CHANNEL = "exports.build";

/** How long a finished archive is kept for download. */
export const ARCHIVE_KEPT_DAYS = 7;

/** How long one download link works; asking for the status again gives a fresh one. */
export const DOWNLOAD_LINK_SECONDS = 15 * 60;
