import type { Migration } from "../lib/db/migrator";
import { initialSchema } from "./0001-initial-schema";
import { mediaSchema } from "./0002-media";
import { analyticsSchema } from "./0003-analytics";
import { rowLevelSecuritySchema } from "./0004-row-level-security";
import { tokenEpochSchema } from "./0005-token-epoch";
import { teachingSchema } from "./0006-teaching";
import { schedulingSchema } from "./0007-scheduling";
import { notificationsSchema } from "./0008-notifications";
import { communitySchema } from "./0009-community";
import { mediaReliabilitySchema } from "./0010-media-reliability";
import { privacySchema } from "./0013-privacy";
import { rosterReadsSchema } from "./0014-roster-reads";
import { forumMediaSchema } from "./0015-forum-media";
import { forumSearchSpeedSchema } from "./0016-forum-search-speed";
import { rosterRollupsSchema } from "./0017-roster-rollups";
import { eventOutboxesSchema } from "./0018-event-outboxes";
import { metricsIngestIndexesSchema } from "./0019-metrics-ingest-indexes";
import { moreEventOutboxesSchema } from "./0020-more-event-outboxes";

/** In numeric order, which is the order of application; one that has shipped is never edited. */
export const migrations: Migration[] = [
	initialSchema,
	mediaSchema,
	analyticsSchema,
	rowLevelSecuritySchema,
	tokenEpochSchema,
	teachingSchema,
	schedulingSchema,
	notificationsSchema,
	communitySchema,
	mediaReliabilitySchema,
	privacySchema,
	rosterReadsSchema,
	forumMediaSchema,
	forumSearchSpeedSchema,
	rosterRollupsSchema,
	eventOutboxesSchema,
	metricsIngestIndexesSchema,
	moreEventOutboxesSchema
];
