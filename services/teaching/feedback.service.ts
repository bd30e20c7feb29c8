import type { Context, Service, ServiceSchema } from "moleculer";
import { DataTypes, Op, type Sequelize, type Transaction, type WhereOptions } from "sequelize";
import { SHAPE_KINDS, type Drawing, type FeedbackItem as FeedbackView, type FeedbackKind } from "../../contracts/teaching";
import type { EtudeMeta, Role } from "../../lib/actor";
import { READS_KEPT_MESSAGES, type DomainEvent } from "../../lib/domain-events";
import { EtudeClientError, NotFoundError, ValidationFailedError, type FieldProblem } from "../../lib/errors";
import { markdownToPlainText, renderMarkdown } from "../../lib/markdown";
import { DbMixin, type PersonActor } from "../../mixins/db.mixin";
import { Outbox } from "../../mixins/outbox.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../../mixins/personal-data.mixin";
import type { MetricAtMoment } from "../analytics/analytics.service";
import { CURVE_SERIES, METRIC_UNITS } from "../analytics/metric-catalog";
import type { PersonProfile } from "../auth.service";
import type { RecordingFacts } from "../media/media.service";
import { StudentRelationsMixin, canRead, type StudentEntity } from "./student-relations.mixin";

/** Shapes drawn between two points: from and to, or two opposite corners. */
const TWO_POINT_SHAPES: ReadonlySet<string> = new Set(["arrow", "line", "rect", "ellipse"]);
const MAX_FREEHAND_POINTS = 1000;

interface FeedbackRow {
	id: string;
	kind: FeedbackKind;
	studentId: string;
	sessionId: string;
	videoId: string | null;
	parentId: string | null;
	authorId: string;
	authorRole: Role;
	tMs: number | null;
	endTMs: number | null;
	bodyMd: string;
	bodyHtml: string;
	drawing: Drawing | null;
	metricKey: string | null;
	metricValue: number | null;
	metricUnit: string | null;
	rating: number | null;
	createdAt: Date;
	updatedAt: Date;
}

/** What a relation check needs, plus the row or recording it was found from. */
type FeedbackEntity = StudentEntity & ({ type: "video"; recording: RecordingFacts } | { type: "session"; sessionId: string } | { type: "feedback"; row: FeedbackRow });

type FeedbackContext<P = Record<string, never>> = Context<P, EtudeMeta>;

interface PinFields {
	tMs: number;
	endTMs?: number | null;
	text: string;
	drawing?: Drawing | null;
	metric?: { key: string } | null;
}

const METRIC_KEYS = [...CURVE_SERIES.map((series) => series.name), ...Object.keys(METRIC_UNITS)];
const EXCERPT_CHARS = 140;

function defineModels(sequelize: Sequelize) {
	const Feedback = sequelize.define(
		"Feedback",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			kind: { type: DataTypes.ENUM("pin", "session", "reply"), allowNull: false },
			studentId: { type: DataTypes.UUID, allowNull: false },
			sessionId: { type: DataTypes.UUID, allowNull: false },
			videoId: { type: DataTypes.UUID },
			parentId: { type: DataTypes.UUID },
			authorId: { type: DataTypes.UUID, allowNull: false },
			authorRole: { type: DataTypes.ENUM("student", "teacher", "admin"), allowNull: false },
			tMs: { type: DataTypes.INTEGER, field: "t_ms" },
			endTMs: { type: DataTypes.INTEGER, field: "end_t_ms" },
			bodyMd: { type: DataTypes.TEXT, allowNull: false },
			bodyHtml: { type: DataTypes.TEXT, allowNull: false },
			drawing: { type: DataTypes.JSONB },
			metricKey: { type: DataTypes.TEXT },
			metricValue: { type: DataTypes.DOUBLE },
			metricUnit: { type: DataTypes.TEXT },
			rating: { type: DataTypes.SMALLINT }
		},
		{ tableName: "feedback" }
	);
	return { primary: Feedback };
}

type FeedbackModels = ReturnType<typeof defineModels>;

const coordinate = { type: "number", min: 0, max: 1 };
const drawingParam = {
	type: "object",
	strict: true,
	props: {
		shapes: {
			type: "array",
			max: 50,
			items: {
				type: "object",
				strict: true,
				props: {
					kind: { type: "enum", values: SHAPE_KINDS },
					points: { type: "array", min: 2, max: MAX_FREEHAND_POINTS, items: { type: "tuple", items: [coordinate, coordinate] } },
					color: { type: "string", pattern: /^#[0-9a-fA-F]{6}$/, messages: { stringPattern: "The '{field}' field must be a colour like #3366ff." } }
				}
			}
		}
	}
};
const textParam = { type: "string", trim: true, min: 1, max: 4000 };
const timeParam = { type: "number", integer: true, min: 0, max: 24 * 3_600_000 };
const metricParam = { type: "object", strict: true, props: { key: { type: "enum", values: METRIC_KEYS } } };
const ratingParam = { type: "number", integer: true, min: 1, max: 5 };

function checkDrawing(drawing: Drawing | null | undefined): FieldProblem[] {
	return (drawing?.shapes ?? []).flatMap((shape, index) =>
		TWO_POINT_SHAPES.has(shape.kind) && shape.points.length !== 2
			? [{ field: `drawing.shapes[${index}].points`, message: `A ${shape.kind} is drawn between exactly two points.` }]
			: []
	);
}

function checkPinTimes(tMs: number, endTMs: number | null | undefined, durationMs: number | null): FieldProblem[] {
	const problems: FieldProblem[] = [];
	// A little slack: the player's last frame may report a few milliseconds past the probed duration.
	const longest = durationMs === null ? Infinity : durationMs + 50;
	if (tMs > longest) problems.push({ field: "tMs", message: `The recording is only ${durationMs} ms long.` });
	if (endTMs !== undefined && endTMs !== null) {
		if (endTMs <= tMs) problems.push({ field: "endTMs", message: "A range must end after it starts." });
		else if (endTMs > longest) problems.push({ field: "endTMs", message: `The recording is only ${durationMs} ms long.` });
	}
	return problems;
}

function throwIfAny(problems: FieldProblem[]): void {
	if (problems.length > 0) throw new ValidationFailedError("Some fields are missing or not valid", problems);
}

function plainRows(rows: unknown[]): FeedbackRow[] {
	return rows as FeedbackRow[];
}

/**
 * Feedback on practice: timestamped pins on a recording (a moment or a range, an optional drawing
 * in normalised frame coordinates, optionally the measured value of a metric at that moment),
 * notes on a whole session with a rating, and one level of replies under either. The student whose
 * practice it is and their linked teachers read it; teachers write pins and notes; only its author
 * changes or deletes an item. Every new item is announced on the durable `feedback.created`.
 */
export default function feedbackService(): ServiceSchema {
	return {
		name: "feedback",
		mixins: [DbMixin(defineModels), StudentRelationsMixin(), PersonalDataMixin(), Outbox()],
		settings: { rest: "/" },

		actions: {
			createPin: {
				rest: "POST /videos/:id/feedback",
				permissions: ["$linkedTeacher"],
				needEntity: true,
				entity: "video",
				openapi: { summary: "Pin feedback to a moment (or a range) of a linked student's recording" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					tMs: timeParam,
					endTMs: { ...timeParam, optional: true },
					text: textParam,
					drawing: { ...drawingParam, optional: true },
					metric: { ...metricParam, optional: true }
				},
				async handler(ctx: FeedbackContext<PinFields & { id: string }>): Promise<FeedbackView> {
					const { recording } = ctx.locals.entity as Extract<FeedbackEntity, { type: "video" }>;
					const { tMs, endTMs, text, drawing, metric } = ctx.params;
					throwIfAny([...checkPinTimes(tMs, endTMs, recording.durationMs), ...checkDrawing(drawing)]);
					const measured = metric ? await this.measure(ctx, recording.videoId, metric.key, tMs) : {};
					return this.createFeedback(ctx, {
						kind: "pin",
						studentId: recording.studentId,
						sessionId: recording.sessionId,
						videoId: recording.videoId,
						tMs,
						endTMs: endTMs ?? null,
						drawing: drawing ?? null,
						...measured,
						...this.body(text)
					});
				}
			},

			listForVideo: {
				rest: "GET /videos/:id/feedback",
				permissions: ["$owner", "$linkedTeacher"],
				needEntity: true,
				entity: "video",
				openapi: { summary: "The pins on a recording, by time, each with its replies" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: FeedbackContext<{ id: string }>): Promise<{ videoId: string; sessionId: string; items: FeedbackView[] }> {
					const { recording } = ctx.locals.entity as Extract<FeedbackEntity, { type: "video" }>;
					const rows = await this.findRows(ctx.locals.actor, { videoId: recording.videoId });
					return { videoId: recording.videoId, sessionId: recording.sessionId, items: await this.threads(ctx, rows) };
				}
			},

			createSessionNote: {
				rest: "POST /sessions/:id/feedback",
				permissions: ["$linkedTeacher"],
				needEntity: true,
				entity: "session",
				openapi: { summary: "Feedback on a linked student's whole practice session, with an optional rating" },
				params: { $$strict: true, id: { type: "uuid" }, text: textParam, rating: { ...ratingParam, optional: true } },
				async handler(ctx: FeedbackContext<{ id: string; text: string; rating?: number }>): Promise<FeedbackView> {
					const session = ctx.locals.entity as Extract<FeedbackEntity, { type: "session" }>;
					return this.createFeedback(ctx, {
						kind: "session",
						studentId: session.studentId,
						sessionId: session.sessionId,
						rating: ctx.params.rating ?? null,
						...this.body(ctx.params.text)
					});
				}
			},

			listForSession: {
				rest: "GET /sessions/:id/feedback",
				permissions: ["$owner", "$linkedTeacher"],
				needEntity: true,
				entity: "session",
				openapi: { summary: "Feedback on a practice session (pins are listed per recording), each with its replies" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: FeedbackContext<{ id: string }>): Promise<{ sessionId: string; items: FeedbackView[] }> {
					const session = ctx.locals.entity as Extract<FeedbackEntity, { type: "session" }>;
					const rows = await this.findRows(ctx.locals.actor, { sessionId: session.sessionId, videoId: null });
					return { sessionId: session.sessionId, items: await this.threads(ctx, rows) };
				}
			},

			reply: {
				rest: "POST /feedback/:id/replies",
				permissions: ["student", "teacher"],
				needEntity: true,
				entity: "feedback",
				openapi: { summary: "Reply to a pin or a session note (the student it is about, or a linked teacher)" },
				params: { $$strict: true, id: { type: "uuid" }, text: textParam },
				async handler(ctx: FeedbackContext<{ id: string; text: string }>): Promise<FeedbackView> {
					const { row: parent } = ctx.locals.entity as Extract<FeedbackEntity, { type: "feedback" }>;
					if (parent.parentId) throw new EtudeClientError("Replies go under the pin or note, not under another reply", 422, "ERR_REPLY_TO_REPLY");
					return this.createFeedback(ctx, {
						kind: "reply",
						studentId: parent.studentId,
						sessionId: parent.sessionId,
						videoId: parent.videoId,
						parentId: parent.id,
						...this.body(ctx.params.text)
					});
				}
			},

			get: {
				rest: "GET /feedback/:id",
				permissions: ["student", "teacher"],
				needEntity: true,
				entity: "feedback",
				openapi: { summary: "One pin, note or reply (a pin or note with its replies)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: FeedbackContext<{ id: string }>): Promise<FeedbackView> {
					return this.viewWithReplies(ctx, (ctx.locals.entity as Extract<FeedbackEntity, { type: "feedback" }>).row);
				}
			},

			update: {
				rest: "PATCH /feedback/:id",
				permissions: ["$owner"],
				needEntity: true,
				entity: "feedback",
				openapi: { summary: "Change your pin, note or reply (fields of its kind only)" },
				params: {
					$$strict: true,
					id: { type: "uuid" },
					text: { ...textParam, optional: true },
					tMs: { ...timeParam, optional: true },
					endTMs: { ...timeParam, optional: true, nullable: true },
					drawing: { ...drawingParam, optional: true, nullable: true },
					metric: { ...metricParam, optional: true, nullable: true },
					rating: { ...ratingParam, optional: true, nullable: true }
				},
				async handler(ctx: FeedbackContext<Partial<PinFields> & { id: string; rating?: number | null }>): Promise<FeedbackView> {
					const { row } = ctx.locals.entity as Extract<FeedbackEntity, { type: "feedback" }>;
					const { id, text, metric, ...fields } = ctx.params;
					const allowed: Record<FeedbackKind, string[]> = { pin: ["text", "tMs", "endTMs", "drawing", "metric"], session: ["text", "rating"], reply: ["text"] };
					throwIfAny(
						Object.keys(ctx.params)
							.filter((name) => name !== "id" && !allowed[row.kind].includes(name))
							.map((name) => ({ field: name, message: `A ${row.kind === "session" ? "session note" : row.kind} has no ${name}.` }))
					);
					const changes: Partial<FeedbackRow> = { ...fields, ...(text === undefined ? {} : this.body(text)) };
					if (row.kind === "pin") {
						const tMs = fields.tMs ?? row.tMs!;
						const endTMs = fields.endTMs === undefined ? row.endTMs : fields.endTMs;
						const [recording] = Object.values(await this.recordingsOf(ctx, [row.videoId!])) as RecordingFacts[];
						throwIfAny([...checkPinTimes(tMs, endTMs, recording?.durationMs ?? null), ...checkDrawing(fields.drawing)]);
						// The measured value follows the pin: a new moment or a new metric is measured again.
						const metricKey = metric === undefined ? row.metricKey : (metric?.key ?? null);
						if (metric !== undefined || (fields.tMs !== undefined && metricKey)) {
							Object.assign(changes, metricKey ? await this.measure(ctx, row.videoId!, metricKey, tMs) : { metricKey: null, metricValue: null, metricUnit: null });
						}
					}
					const { primary: Feedback } = this.models as FeedbackModels;
					const [updated] = await this.transactionAs(ctx.locals.actor as PersonActor, async (transaction: Transaction) => {
						await Feedback.update(changes, { where: { id }, transaction });
						return Feedback.findAll({ where: { id }, raw: true, transaction });
					});
					return this.viewWithReplies(ctx, updated as unknown as FeedbackRow);
				}
			},

			remove: {
				rest: "DELETE /feedback/:id",
				permissions: ["$owner"],
				needEntity: true,
				entity: "feedback",
				openapi: { summary: "Delete your pin, note or reply (a pin's or note's replies go with it)" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: FeedbackContext<{ id: string }>): Promise<void> {
					const { primary: Feedback } = this.models as FeedbackModels;
					await this.transactionAs(ctx.locals.actor as PersonActor, (transaction: Transaction) => Feedback.destroy({ where: { id: ctx.params.id }, transaction }));
					ctx.meta.$statusCode = 204;
				}
			}
		},

		channels: {
			/** A deleted session takes its feedback with it. */
			"sessions.deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"sessions.deleted">>) {
					const { primary: Feedback } = this.models as FeedbackModels;
					await this.asSystem((transaction: Transaction) => Feedback.destroy({ where: { sessionId: ctx.params.sessionId }, transaction }));
				}
			},
			/** A deleted recording takes its pins (and their replies) with it; notes on the session stay. */
			"media.video_deleted": {
				...READS_KEPT_MESSAGES,
				async handler(this: Service, ctx: Context<DomainEvent<"media.video_deleted">>) {
					const { primary: Feedback } = this.models as FeedbackModels;
					await this.asSystem((transaction: Transaction) => Feedback.destroy({ where: { videoId: ctx.params.videoId }, transaction }));
				}
			}
		},

		methods: {
			async findEntity(ctx: FeedbackContext<{ id: string }>): Promise<FeedbackEntity> {
				const actor: PersonActor = await this.actorForEntity(ctx);
				const entityType = (ctx.action as { entity?: FeedbackEntity["type"] } | undefined)?.entity;
				if (entityType === "video") {
					const recording: RecordingFacts | undefined = (await this.recordingsOf(ctx, [ctx.params.id]))[ctx.params.id];
					if (!recording || !canRead(actor, recording.studentId)) throw new NotFoundError("Video", "ERR_VIDEO_NOT_FOUND");
					return { type: "video", recording, ownerId: recording.studentId, studentId: recording.studentId };
				}
				if (entityType === "session") {
					// The practice service decides who may read a session, and answers its own 404 to anyone else.
					const session: { id: string; studentId: string } = await ctx.call("sessions.get", { id: ctx.params.id }, { meta: ctx.meta });
					return { type: "session", sessionId: session.id, ownerId: session.studentId, studentId: session.studentId };
				}
				const [row] = await this.findRows(actor, { id: ctx.params.id });
				// Row-level security lets an author see their own feedback; a teacher no longer linked must not.
				if (!row || !canRead(actor, row.studentId)) throw new NotFoundError("Feedback", "ERR_FEEDBACK_NOT_FOUND");
				return { type: "feedback", row, ownerId: row.authorId, studentId: row.studentId };
			},

			async recordingsOf(ctx: Context, videoIds: string[]): Promise<Record<string, RecordingFacts>> {
				return ctx.call("media.recordingsById", { videoIds });
			},

			body(text: string): Pick<FeedbackRow, "bodyMd" | "bodyHtml"> {
				return { bodyMd: text, bodyHtml: renderMarkdown(text, "light") };
			},

			/** The named metric at this moment of the take, as analytics measured it; null until analysed. */
			async measure(ctx: Context, videoId: string, key: string, tMs: number): Promise<Pick<FeedbackRow, "metricKey" | "metricValue" | "metricUnit">> {
				const measured: MetricAtMoment | null = await ctx.call("analytics.valueAt", { videoId, key, tMs });
				return { metricKey: key, metricValue: measured?.value ?? null, metricUnit: measured?.unit ?? null };
			},

			async findRows(actor: PersonActor, where: WhereOptions): Promise<FeedbackRow[]> {
				const { primary: Feedback } = this.models as FeedbackModels;
				return plainRows(
					await this.transactionAs(actor, (transaction: Transaction) =>
						Feedback.findAll({ where, order: [["tMs", "ASC NULLS LAST"], ["createdAt", "ASC"], ["id", "ASC"]], raw: true, transaction })
					)
				);
			},

			async createFeedback(ctx: FeedbackContext, fields: Partial<FeedbackRow> & Pick<FeedbackRow, "kind" | "studentId" | "sessionId">): Promise<FeedbackView> {
				const user = ctx.meta.user!;
				const actor = ctx.locals.actor as PersonActor;
				const { primary: Feedback } = this.models as FeedbackModels;
				// Asked before the transaction: on the embedded database a query outside it would wait for it.
				const recipientIds = await this.recipientsOf({ ...fields, authorId: user.id } as FeedbackRow);
				const { row, recorded } = await this.transactionAs(actor, async (transaction: Transaction) => {
					const created = (await Feedback.create({ ...fields, authorId: user.id, authorRole: user.role }, { transaction })).get({ plain: true }) as FeedbackRow;
					const announced = await this.recordEvent(transaction, actor, "feedback.created", {
						feedbackId: created.id,
						authorId: created.authorId,
						recipientIds,
						studentId: created.studentId,
						sessionId: created.sessionId,
						videoId: created.videoId,
						tMs: created.tMs,
						excerpt: markdownToPlainText(created.bodyMd, EXCERPT_CHARS),
						parentId: created.parentId
					});
					return { row: created, recorded: announced };
				});
				await this.sendRecorded([recorded]);
				ctx.meta.$statusCode = 201;
				ctx.meta.$location = `/api/feedback/${row.id}`;
				return this.viewWithReplies(ctx, row);
			},

			/** The student for a teacher's pin or note; for a reply, everyone else in the thread. */
			async recipientsOf(row: FeedbackRow): Promise<string[]> {
				if (!row.parentId) return row.studentId === row.authorId ? [] : [row.studentId];
				const { primary: Feedback } = this.models as FeedbackModels;
				const thread = plainRows(
					await this.asSystem((transaction: Transaction) =>
						Feedback.findAll({ where: { [Op.or]: [{ id: row.parentId }, { parentId: row.parentId }] }, attributes: ["authorId"], raw: true, transaction })
					)
				);
				return [...new Set([row.studentId, ...thread.map((item) => item.authorId)])].filter((id) => id !== row.authorId);
			},

			async viewWithReplies(ctx: FeedbackContext, row: FeedbackRow): Promise<FeedbackView> {
				const replies = row.parentId ? [] : await this.findRows(ctx.locals.actor ?? this.ownActor(ctx), { parentId: row.id });
				const [view] = await this.threads(ctx, [row, ...replies]);
				return view!;
			},

			/** Top-level items in the given order, each with its replies oldest first; authors named. */
			async threads(ctx: Context, rows: FeedbackRow[]): Promise<FeedbackView[]> {
				const profiles: PersonProfile[] = rows.length > 0 ? await ctx.call("auth.profilesOf", { userIds: [...new Set(rows.map((row) => row.authorId))] }) : [];
				const names = new Map(profiles.map((profile) => [profile.id, profile.name]));
				const toView = (row: FeedbackRow): FeedbackView => ({
					id: row.id,
					kind: row.kind,
					sessionId: row.sessionId,
					videoId: row.videoId,
					studentId: row.studentId,
					parentId: row.parentId,
					author: { id: row.authorId, name: names.get(row.authorId) ?? "Former member", role: row.authorRole },
					tMs: row.tMs,
					endTMs: row.endTMs,
					text: row.bodyMd,
					html: row.bodyHtml,
					drawing: row.drawing,
					metric: row.metricKey ? { key: row.metricKey, value: row.metricValue, unit: row.metricUnit } : null,
					rating: row.rating,
					replies: [],
					createdAt: new Date(row.createdAt).toISOString(),
					updatedAt: new Date(row.updatedAt).toISOString()
				});
				const topLevel = rows.filter((row) => !row.parentId).map(toView);
				const byId = new Map(topLevel.map((view) => [view.id, view]));
				const replies = rows.filter((row) => row.parentId).sort((a, b) => new Date(a.createdAt).getTime() - new Date(b.createdAt).getTime());
				for (const reply of replies) byId.get(reply.parentId!)?.replies.push(toView(reply));
				// A reply asked for on its own is its own top level.
				return topLevel.length > 0 ? topLevel : replies.map(toView);
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { primary: Feedback } = this.models as FeedbackModels;
				const rows = await this.asSystem((transaction: Transaction) =>
					Feedback.findAll({ where: { [Op.or]: [{ authorId: userId }, { studentId: userId }] }, order: [["createdAt", "ASC"]], raw: true, transaction })
				);
				return { tables: { feedback: rows as object[] } };
			},

			/** What they wrote, and everything written about their practice. */
			async purgePersonalData({ userId }: { userId: string }): Promise<void> {
				const { primary: Feedback } = this.models as FeedbackModels;
				await this.asSystem((transaction: Transaction) => Feedback.destroy({ where: { [Op.or]: [{ authorId: userId }, { studentId: userId }] }, transaction }));
			}
		}
	};
}
