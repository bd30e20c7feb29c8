import { randomInt, randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, Op, QueryTypes, type Model, type Sequelize, type Transaction } from "sequelize";
import type { AuthResult, Invite, LinkedPerson, User as PublicUser } from "../contracts/auth";
import type { AuthenticatedUser, EtudeMeta, Role } from "../lib/actor";
import { ConflictError, EtudeClientError, ForbiddenError, NotFoundError, UnauthorizedError } from "../lib/errors";
import { hashRefreshToken, newRefreshToken, signAccessToken } from "../lib/tokens";
import { timezoneRule } from "../lib/timezones";
import type { NodeConfig } from "../lib/node-config";
import { createPasswordHasher } from "../lib/password-hashing";
import { normalizeEmail, PiiCipher } from "../lib/pii";
import { publishDomainEvent, type DomainEvent } from "../lib/domain-events";
import { Cron } from "../mixins/cron.mixin";
import { DbMixin } from "../mixins/db.mixin";
import { PersonalDataMixin, type PersonalDataExport } from "../mixins/personal-data.mixin";

interface UserRow {
	id: string;
	email: string;
	passwordHash: string;
	role: Role;
	name: string;
	timezone: string;
	a4Hz: number;
	tokenEpoch: number;
	createdAt: Date;
	deletedAt: Date | null;
	suspendedAt: Date | null;
}

/** As stored: the email encrypted (lib/pii.ts), found by its blind index. */
type StoredUserRow = Omit<UserRow, "email"> & { emailEncrypted: string };

/** The blind index and ciphertext name their field, so a value cannot be moved to another. */
const EMAIL_FIELD = "users.email";

export type { PublicUser };

/** Whether a user's access tokens of a given epoch still count. */
export interface TokenState {
	epoch: number;
	status: "active" | "deleted" | "suspended";
}

const TOKEN_STATE_COLUMNS = `token_epoch AS epoch,
	CASE WHEN deleted_at IS NOT NULL THEN 'deleted' WHEN suspended_at IS NOT NULL THEN 'suspended' ELSE 'active' END AS status`;
/** Who someone is to other services: enough to show a name and evaluate days in their zone. */
export interface PersonProfile {
	id: string;
	name: string;
	role: Role;
	timezone: string;
}

/** A profile with the account's age (the community's first-day limits). */
export interface AccountProfile extends PersonProfile {
	createdAt: Date;
}

// Every teacher request asks who their students are, so the answers are cached (Moleculer's
// cacher: in memory, or Redis when configured) and cleared whenever a link changes.
const LINK_CACHE_TTL_SECONDS = 600;
const LINK_ACTIONS = { studentsOf: "auth.linkedStudentIds", teachersOf: "auth.linkedTeacherIds" } as const;
type LinkChange = { teacherId: string; studentId: string } | "all";

type AuthContext<P = Record<string, never>> = Context<P, EtudeMeta>;

// Letters and digits that cannot be misread when a teacher writes the code on a whiteboard.
const INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const INVITE_LENGTH = 8;
const INVITE_LIFETIME_DAYS = 14;

function defineModels(sequelize: Sequelize) {
	const User = sequelize.define(
		"User",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			emailEncrypted: { type: DataTypes.TEXT, allowNull: false },
			emailIndex: { type: DataTypes.TEXT },
			passwordHash: { type: DataTypes.TEXT, allowNull: false },
			role: { type: DataTypes.ENUM("student", "teacher", "admin"), allowNull: false },
			name: { type: DataTypes.TEXT, allowNull: false },
			timezone: { type: DataTypes.TEXT, allowNull: false },
			a4Hz: { type: DataTypes.REAL, allowNull: false, defaultValue: 440 },
			tokenEpoch: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
			deletedAt: { type: DataTypes.DATE },
			suspendedAt: { type: DataTypes.DATE }
		},
		{ tableName: "users" }
	);
	const RefreshToken = sequelize.define(
		"RefreshToken",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			userId: { type: DataTypes.UUID, allowNull: false },
			tokenHash: { type: DataTypes.TEXT, allowNull: false },
			expiresAt: { type: DataTypes.DATE, allowNull: false },
			revokedAt: { type: DataTypes.DATE }
		},
		{ tableName: "refresh_tokens", updatedAt: false }
	);
	const TeacherInvite = sequelize.define(
		"TeacherInvite",
		{
			code: { type: DataTypes.TEXT, primaryKey: true },
			teacherId: { type: DataTypes.UUID, allowNull: false },
			expiresAt: { type: DataTypes.DATE, allowNull: false }
		},
		{ tableName: "teacher_invites", updatedAt: false }
	);
	return { primary: User, RefreshToken, TeacherInvite };
}

type AuthModels = ReturnType<typeof defineModels>;

function toPublicUser(row: UserRow): PublicUser {
	return {
		id: row.id,
		email: row.email,
		name: row.name,
		role: row.role,
		timezone: row.timezone,
		a4Hz: row.a4Hz,
		createdAt: row.createdAt.toISOString()
	};
}

function plain<T>(model: Model | null): T | null {
	return model ? (model.get({ plain: true }) as T) : null;
}

export default function authService(config: NodeConfig): ServiceSchema {
	return {
		name: "auth",
		mixins: [
			DbMixin(defineModels),
			PersonalDataMixin(),
			Cron({
				expiredRefreshTokens: { everyMs: 3_600_000, method: "deleteExpiredRefreshTokens", runAtStart: true },
				accountPurges: { everyMs: 3_600_000, method: "publishDueAccountPurges", runAtStart: true }
			})
		],
		settings: { rest: "/" },

		actions: {
			register: {
				rest: "POST /auth/register",
				permissions: ["public"],
				openapi: { summary: "Create an account and sign in" },
				params: {
					$$strict: true,
					email: { type: "email", max: 254, normalize: true },
					password: { type: "string", min: 8, max: 200 },
					role: { type: "enum", values: ["student", "teacher"] },
					name: { type: "string", trim: true, min: 1, max: 100 },
					timezone: timezoneRule
				},
				async handler(ctx: AuthContext<{ email: string; password: string; role: Role; name: string; timezone: string }>): Promise<AuthResult> {
					const { email, password, role, name, timezone } = ctx.params;
					const passwordHash = await this.passwords.hash(password);
					const sequelize: Sequelize = this.sequelize;
					const pii: PiiCipher = this.pii;
					const id = randomUUID();
					const [emailIndex, ...olderIndexes] = pii.blindIndexes(EMAIL_FIELD, normalizeEmail(email));
					const taken = new ConflictError("An account with this email already exists", "ERR_EMAIL_TAKEN");
					const user = await this.asSystem(async (transaction: Transaction) => {
						// While a key rotation is under way, the address may still be indexed under an older key.
						if (olderIndexes.length > 0 && (await (this.models as AuthModels).primary.count({ where: { emailIndex: olderIndexes }, transaction })) > 0) throw taken;
						const [row] = await sequelize.query<Omit<UserRow, "email">>(
							`INSERT INTO users (id, email_encrypted, email_index, password_hash, role, name, timezone)
							 VALUES (:id, :emailEncrypted, :emailIndex, :passwordHash, :role, :name, :timezone)
							 ON CONFLICT (email_index) DO NOTHING
							 RETURNING id, role, name, timezone, a4_hz AS "a4Hz", token_epoch AS "tokenEpoch", created_at AS "createdAt"`,
							{
								replacements: { id, emailEncrypted: pii.encrypt(EMAIL_FIELD, id, email), emailIndex, passwordHash, role, name, timezone },
								type: QueryTypes.SELECT,
								transaction
							}
						);
						if (!row) throw taken;
						await sequelize.query(
							role === "teacher" ? "INSERT INTO teachers (user_id) VALUES (:id)" : "INSERT INTO students (user_id) VALUES (:id)",
							{ replacements: { id: row.id }, transaction }
						);
						return { ...row, email } as UserRow;
					});
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = "/api/me";
					return this.issueTokens(user);
				}
			},

			login: {
				rest: "POST /auth/login",
				permissions: ["public"],
				openapi: { summary: "Sign in with email and password" },
				params: {
					$$strict: true,
					email: { type: "email", max: 254, normalize: true },
					password: { type: "string", min: 1, max: 200 }
				},
				async handler(ctx: AuthContext<{ email: string; password: string }>): Promise<AuthResult> {
					const user = await this.findRestorableUserByEmail(ctx.params.email);
					// Verify against a throwaway hash when there is no such user, so response time
					// does not reveal which emails have accounts.
					const valid = await this.passwords.verify(user?.passwordHash ?? (await this.decoyHash()), ctx.params.password);
					if (!user || !valid) throw new UnauthorizedError("Email or password is not right", "ERR_INVALID_CREDENTIALS");
					if (user.suspendedAt) throw new ForbiddenError("This account is suspended", "ERR_ACCOUNT_SUSPENDED");
					if (!user.deletedAt) return this.issueTokens(user);
					// Signing in during the grace period takes the deletion back: nothing was purged yet.
					const [state]: TokenState[] = await this.queryAsSystem(
						`UPDATE users SET deleted_at = NULL WHERE id = :id AND deleted_at IS NOT NULL RETURNING ${TOKEN_STATE_COLUMNS}`,
						{ id: user.id }
					);
					// Gateways cached the account as deleted.
					if (state) this.broker.broadcast("auth.tokens_changed", { userId: user.id, ...state });
					await this.linksChanged(ctx, "all");
					return { ...(await this.issueTokens(user)), deletionCancelled: true };
				}
			},

			refresh: {
				rest: "POST /auth/refresh",
				permissions: ["public"],
				openapi: { summary: "Trade a refresh token for a new token pair (the old one is revoked)" },
				params: { $$strict: true, refreshToken: { type: "string", min: 20, max: 200 } },
				async handler(ctx: AuthContext<{ refreshToken: string }>): Promise<AuthResult> {
					const { RefreshToken } = this.models as AuthModels;
					const stored = plain<{ id: string; userId: string; expiresAt: Date; revokedAt: Date | null }>(
						await this.asSystem((transaction: Transaction) => RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(ctx.params.refreshToken) }, transaction }))
					);
					const invalid = new UnauthorizedError("Please sign in again", "ERR_INVALID_REFRESH_TOKEN");
					if (!stored) throw invalid;
					if (stored.revokedAt) {
						// A revoked token coming back means it was copied: end every session of the user.
						await this.revokeAllRefreshTokens(stored.userId);
						throw invalid;
					}
					if (stored.expiresAt.getTime() <= Date.now()) throw invalid;
					const [revoked] = await this.asSystem((transaction: Transaction) =>
						RefreshToken.update({ revokedAt: new Date() }, { where: { id: stored.id, revokedAt: null }, transaction })
					);
					if (revoked === 0) throw invalid;
					const user = await this.findActiveUserById(stored.userId);
					if (!user || user.suspendedAt) throw invalid;
					return this.issueTokens(user);
				}
			},

			logout: {
				rest: "POST /auth/logout",
				permissions: ["public"],
				openapi: { summary: "Revoke a refresh token" },
				params: { $$strict: true, refreshToken: { type: "string", min: 20, max: 200 } },
				async handler(ctx: AuthContext<{ refreshToken: string }>): Promise<void> {
					const { RefreshToken } = this.models as AuthModels;
					await this.asSystem((transaction: Transaction) =>
						RefreshToken.update({ revokedAt: new Date() }, { where: { tokenHash: hashRefreshToken(ctx.params.refreshToken), revokedAt: null }, transaction })
					);
					ctx.meta.$statusCode = 204;
				}
			},

			me: {
				rest: "GET /me",
				permissions: ["authenticated"],
				openapi: { summary: "The signed-in user" },
				async handler(ctx: AuthContext): Promise<PublicUser> {
					return toPublicUser(await this.requireCurrentUser(ctx));
				}
			},

			updateMe: {
				rest: "PATCH /me",
				permissions: ["authenticated"],
				openapi: { summary: "Change name, time zone or A4 reference pitch" },
				params: {
					$$strict: true,
					name: { type: "string", trim: true, min: 1, max: 100, optional: true },
					timezone: { ...timezoneRule, optional: true },
					a4Hz: { type: "number", min: 415, max: 466, optional: true }
				},
				async handler(ctx: AuthContext<{ name?: string; timezone?: string; a4Hz?: number }>): Promise<PublicUser> {
					const user = await this.requireCurrentUser(ctx);
					const { primary: User } = this.models as AuthModels;
					await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						User.update({ ...ctx.params }, { where: { id: user.id, deletedAt: null }, transaction })
					);
					return toPublicUser({ ...user, ...ctx.params });
				}
			},

			deleteMe: {
				rest: "DELETE /me",
				permissions: ["authenticated"],
				openapi: {
					summary: "Delete the account: it is purged with everything about it after the grace period",
					description: "Signing in again within ACCOUNT_PURGE_AFTER_DAYS (7 by default) cancels the deletion; after that every service removes what it holds about the account."
				},
				params: { $$strict: true, password: { type: "string", min: 1, max: 200 } },
				async handler(ctx: AuthContext<{ password: string }>): Promise<void> {
					const user = await this.requireCurrentUser(ctx);
					if (!(await this.passwords.verify(user.passwordHash, ctx.params.password))) {
						throw new UnauthorizedError("The password is not right", "ERR_INVALID_CREDENTIALS");
					}
					const { primary: User } = this.models as AuthModels;
					await this.asSystem((transaction: Transaction) => User.update({ deletedAt: new Date() }, { where: { id: user.id }, transaction }));
					await this.endEverySession(user.id);
					// Whoever was linked to this account must stop seeing it at once.
					await this.linksChanged(ctx, "all");
					ctx.meta.$statusCode = 204;
				}
			},

			createInvite: {
				rest: "POST /teachers/invites",
				permissions: ["teacher"],
				openapi: { summary: "A code students redeem to link to this teacher" },
				params: { $$strict: true },
				async handler(ctx: AuthContext): Promise<Invite> {
					const { TeacherInvite } = this.models as AuthModels;
					const expiresAt = new Date(Date.now() + INVITE_LIFETIME_DAYS * 86_400_000);
					const code = Array.from({ length: INVITE_LENGTH }, () => INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)]).join("");
					await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						TeacherInvite.create({ code, teacherId: ctx.meta.user!.id, expiresAt }, { transaction })
					);
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = "/api/teachers/invites";
					return { code, expiresAt: expiresAt.toISOString() };
				}
			},

			listInvites: {
				rest: "GET /teachers/invites",
				permissions: ["teacher"],
				openapi: { summary: "This teacher's invite codes that can still be redeemed" },
				async handler(ctx: AuthContext): Promise<Array<{ code: string; expiresAt: string }>> {
					const { TeacherInvite } = this.models as AuthModels;
					const invites = await this.transactionAs(this.ownActor(ctx), (transaction: Transaction) =>
						TeacherInvite.findAll({
							where: { teacherId: ctx.meta.user!.id, expiresAt: { [Op.gt]: new Date() } },
							order: [["expiresAt", "DESC"]],
							raw: true,
							transaction
						})
					);
					return (invites as unknown as Array<{ code: string; expiresAt: Date }>).map((invite) => ({
						code: invite.code,
						expiresAt: invite.expiresAt.toISOString()
					}));
				}
			},

			redeemInvite: {
				rest: "POST /students/link",
				permissions: ["student"],
				openapi: { summary: "Link to a teacher with their invite code" },
				params: { $$strict: true, code: { type: "string", trim: true, uppercase: true, min: 4, max: 32 } },
				async handler(ctx: AuthContext<{ code: string }>): Promise<{ teacher: { id: string; name: string } }> {
					const studentId = ctx.meta.user!.id;
					const sequelize: Sequelize = this.sequelize;
					const [invite]: Array<{ teacherId: string; name: string; expired: boolean }> = await this.queryAsSystem(
						`SELECT i.teacher_id AS "teacherId", u.name, i.expires_at <= now() AS expired
						 FROM teacher_invites i JOIN users u ON u.id = i.teacher_id AND u.deleted_at IS NULL
						 WHERE i.code = :code`,
						{ code: ctx.params.code }
					);
					if (!invite) throw new NotFoundError("Invite code", "ERR_INVITE_INVALID");
					if (invite.expired) throw new EtudeClientError("This invite code has expired", 410, "ERR_INVITE_EXPIRED");
					await this.asSystem(async (transaction: Transaction) => {
						await sequelize.query(
							"INSERT INTO teacher_students (teacher_id, student_id) VALUES (:teacherId, :studentId) ON CONFLICT DO NOTHING",
							{ replacements: { teacherId: invite.teacherId, studentId }, transaction }
						);
						await sequelize.query(
							"UPDATE students SET primary_teacher_id = :teacherId WHERE user_id = :studentId AND primary_teacher_id IS NULL",
							{ replacements: { teacherId: invite.teacherId, studentId }, transaction }
						);
					});
					await this.linksChanged(ctx, { teacherId: invite.teacherId, studentId });
					return { teacher: { id: invite.teacherId, name: invite.name } };
				}
			},

			listTeachers: {
				rest: "GET /teachers",
				permissions: ["student"],
				openapi: { summary: "The teachers this student is linked to" },
				async handler(ctx: AuthContext): Promise<LinkedPerson[]> {
					return this.linkedPeople("teachersOf", ctx.meta.user!.id);
				}
			},

			/** Moderation: the account can no longer sign in, and its tokens stop working at once. */
			suspend: {
				visibility: "public",
				idempotent: true,
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>): Promise<void> {
					await this.queryAsSystem("UPDATE users SET suspended_at = coalesce(suspended_at, now()) WHERE id = :userId", { userId: ctx.params.userId });
					await this.endEverySession(ctx.params.userId);
				}
			},

			unsuspend: {
				visibility: "public",
				idempotent: true,
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>): Promise<void> {
					await this.queryAsSystem("UPDATE users SET suspended_at = NULL WHERE id = :userId", { userId: ctx.params.userId });
					await this.endEverySession(ctx.params.userId);
				}
			},

			/** What the gateway checks an access token against (cached there, refreshed by `auth.tokens_changed`). */
			tokenState: {
				visibility: "public",
				idempotent: true,
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>): Promise<TokenState> {
					const [state]: TokenState[] = await this.queryAsSystem(
						`SELECT ${TOKEN_STATE_COLUMNS} FROM users WHERE id = :userId`,
						{ userId: ctx.params.userId }
					);
					return state ?? { epoch: -1, status: "deleted" };
				}
			},

			tuningOf: {
				visibility: "public",
				idempotent: true,
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>): Promise<{ a4Hz: number }> {
					const user = await this.findActiveUserById(ctx.params.userId);
					if (!user) throw new NotFoundError("User", "ERR_USER_NOT_FOUND");
					return { a4Hz: user.a4Hz };
				}
			},

			/** Tells every service to purge the accounts whose grace period is over; also runs on a timer. */
			purgeDueAccounts: {
				visibility: "public",
				idempotent: true,
				async handler(): Promise<{ accounts: number }> {
					return { accounts: await this.publishDueAccountPurges() };
				}
			},

			linkedStudentIds: {
				visibility: "public",
				idempotent: true,
				cache: { keys: ["teacherId"], ttl: LINK_CACHE_TTL_SECONDS },
				params: { teacherId: { type: "uuid" } },
				async handler(ctx: Context<{ teacherId: string }>): Promise<string[]> {
					const people: LinkedPerson[] = await this.linkedPeople("studentsOf", ctx.params.teacherId);
					return people.map((person) => person.id);
				}
			},

			linkedTeacherIds: {
				visibility: "public",
				idempotent: true,
				cache: { keys: ["studentId"], ttl: LINK_CACHE_TTL_SECONDS },
				params: { studentId: { type: "uuid" } },
				async handler(ctx: Context<{ studentId: string }>): Promise<string[]> {
					const people: LinkedPerson[] = await this.linkedPeople("teachersOf", ctx.params.studentId);
					return people.map((person) => person.id);
				}
			},

			/** A teacher's students with what the roster needs to show them: name and time zone. */
			linkedStudents: {
				visibility: "public",
				idempotent: true,
				params: { teacherId: { type: "uuid" } },
				async handler(ctx: Context<{ teacherId: string }>): Promise<PersonProfile[]> {
					return this.queryAsSystem(
						`SELECT u.id, u.name, u.role, u.timezone FROM teacher_students ts JOIN users u ON u.id = ts.student_id
						 WHERE ts.teacher_id = :teacherId AND u.deleted_at IS NULL ORDER BY u.name, u.id`,
						{ teacherId: ctx.params.teacherId }
					);
				}
			},

			/** An active account's id by its email, for operators' commands (scripts/make-moderator.ts). */
			accountIdByEmail: {
				visibility: "public",
				params: { email: { type: "email", normalize: true } },
				async handler(ctx: Context<{ email: string }>): Promise<{ id: string } | null> {
					const user: UserRow | null = await this.findRestorableUserByEmail(ctx.params.email);
					return user && !user.deletedAt ? { id: user.id } : null;
				}
			},

			/** Names, roles, zones and account ages of the given accounts (those still active). */
			profilesOf: {
				visibility: "public",
				idempotent: true,
				params: { userIds: { type: "array", items: "uuid", max: 1000 } },
				async handler(ctx: Context<{ userIds: string[] }>): Promise<AccountProfile[]> {
					if (ctx.params.userIds.length === 0) return [];
					return this.queryAsSystem(
						`SELECT id, name, role, timezone, created_at AS "createdAt" FROM users WHERE id = ANY(:userIds::uuid[]) AND deleted_at IS NULL`,
						{ userIds: `{${[...new Set(ctx.params.userIds)].join(",")}}` }
					);
				}
			},

			unlinkStudent: {
				rest: "DELETE /students/:id",
				permissions: ["teacher"],
				openapi: { summary: "Stop teaching a student: the link ends, and with it access to their practice" },
				params: { $$strict: true, id: { type: "uuid" } },
				async handler(ctx: AuthContext<{ id: string }>): Promise<void> {
					const teacherId = ctx.meta.user!.id;
					const [removed] = await this.queryAsSystem(
						"DELETE FROM teacher_students WHERE teacher_id = :teacherId AND student_id = :studentId RETURNING student_id",
						{ teacherId, studentId: ctx.params.id }
					);
					if (!removed) throw new NotFoundError("Student", "ERR_STUDENT_NOT_FOUND");
					await this.queryAsSystem(
						"UPDATE students SET primary_teacher_id = NULL WHERE user_id = :studentId AND primary_teacher_id = :teacherId",
						{ teacherId, studentId: ctx.params.id }
					);
					await this.linksChanged(ctx, { teacherId, studentId: ctx.params.id });
					ctx.meta.$statusCode = 204;
				}
			}
		},

		events: {
			/** Every auth node drops what it cached about a changed link (each keeps its own cache without Redis). */
			async "auth.links.changed"(ctx: Context<{ link: LinkChange }>) {
				await this.forgetLinks(ctx.params.link);
			}
		},

		methods: {
			async issueTokens(user: UserRow): Promise<AuthResult> {
				const { RefreshToken } = this.models as AuthModels;
				const identity: AuthenticatedUser = { id: user.id, role: user.role, name: user.name, tokenEpoch: user.tokenEpoch };
				const refresh = newRefreshToken();
				await this.asSystem((transaction: Transaction) =>
					RefreshToken.create(
						{ userId: user.id, tokenHash: refresh.hash, expiresAt: new Date(Date.now() + config.refreshTokenTtlDays * 86_400_000) },
						{ transaction }
					)
				);
				return {
					token: signAccessToken(identity, config.jwtSecret, config.accessTokenTtlSeconds),
					refreshToken: refresh.token,
					user: toPublicUser(user)
				};
			},

			/**
			 * Every refresh token revoked and the token epoch moved on, so that the access tokens already
			 * out stop working at every gateway at once, not when they expire.
			 */
			async endEverySession(userId: string): Promise<void> {
				await this.revokeAllRefreshTokens(userId);
				const [state]: TokenState[] = await this.queryAsSystem(
					`UPDATE users SET token_epoch = token_epoch + 1 WHERE id = :userId RETURNING ${TOKEN_STATE_COLUMNS}`,
					{ userId }
				);
				if (state) this.broker.broadcast("auth.tokens_changed", { userId, ...state });
			},

			async revokeAllRefreshTokens(userId: string): Promise<void> {
				const { RefreshToken } = this.models as AuthModels;
				await this.asSystem((transaction: Transaction) => RefreshToken.update({ revokedAt: new Date() }, { where: { userId, revokedAt: null }, transaction }));
			},

			/** An active account, or a deleted one still inside its grace period (signing in restores it). */
			async findRestorableUserByEmail(email: string): Promise<UserRow | null> {
				const { primary: User } = this.models as AuthModels;
				const graceStart = new Date(Date.now() - config.accountPurgeAfterDays * 86_400_000);
				const stored = plain<StoredUserRow>(
					await this.asSystem((transaction: Transaction) =>
						User.findOne({
							where: {
								emailIndex: (this.pii as PiiCipher).blindIndexes(EMAIL_FIELD, normalizeEmail(email)),
								[Op.or]: [{ deletedAt: null }, { deletedAt: { [Op.gt]: graceStart } }]
							},
							// The active account first, then the latest deletion.
							order: [["deletedAt", "DESC NULLS FIRST"]],
							transaction
						})
					)
				);
				return stored && this.readUser(stored);
			},

			/** A stored row with its email decrypted. */
			readUser(stored: StoredUserRow): UserRow {
				const row: Partial<StoredUserRow & { emailIndex: string }> = { ...stored };
				delete row.emailEncrypted;
				delete row.emailIndex;
				return { ...(row as Omit<UserRow, "email">), email: (this.pii as PiiCipher).decrypt(EMAIL_FIELD, stored.id, stored.emailEncrypted) };
			},

			async findActiveUserById(id: string): Promise<UserRow | null> {
				const { primary: User } = this.models as AuthModels;
				const stored = plain<StoredUserRow>(await this.asSystem((transaction: Transaction) => User.findOne({ where: { id, deletedAt: null }, transaction })));
				return stored && this.readUser(stored);
			},

			async requireCurrentUser(ctx: AuthContext): Promise<UserRow> {
				const user = await this.findActiveUserById(ctx.meta.user!.id);
				if (!user) throw new UnauthorizedError("This account no longer exists", "ERR_ACCOUNT_DELETED");
				return user;
			},

			/** A user's linked teachers or students who still have an account, by name. */
			async linkedPeople(relation: "teachersOf" | "studentsOf", userId: string): Promise<LinkedPerson[]> {
				const [known, other] = relation === "teachersOf" ? ["student_id", "teacher_id"] : ["teacher_id", "student_id"];
				return this.queryAsSystem(
					`SELECT u.id, u.name FROM teacher_students ts JOIN users u ON u.id = ts.${other}
					 WHERE ts.${known} = :userId AND u.deleted_at IS NULL ORDER BY u.name`,
					{ userId }
				);
			},

			/** Accounts deleted longer ago than the grace period: every service is told to purge them (again, until auth's own purge removed the row). */
			async publishDueAccountPurges(): Promise<number> {
				const due: Array<{ id: string; role: Role }> = await this.queryAsSystem(
					"SELECT id, role FROM users WHERE deleted_at <= now() - make_interval(days => :days) ORDER BY deleted_at",
					{ days: config.accountPurgeAfterDays }
				);
				for (const user of due) await publishDomainEvent(this.broker, "accounts.purge", { userId: user.id, role: user.role });
				return due.length;
			},

			async exportPersonalData(userId: string): Promise<PersonalDataExport> {
				const { primary: User, RefreshToken, TeacherInvite } = this.models as AuthModels;
				const sequelize: Sequelize = this.sequelize;
				return this.asSystem(async (transaction: Transaction) => {
					const select = (sql: string) => sequelize.query<object>(sql, { replacements: { userId }, type: QueryTypes.SELECT, transaction });
					return {
						tables: {
							// The password hash is a credential, not information about the person; the email is given in clear.
							users: (
								(await User.findAll({ where: { id: userId }, attributes: { exclude: ["passwordHash"] }, raw: true, transaction })) as unknown as StoredUserRow[]
							).map((row) => this.readUser(row)),
							teachers: await select("SELECT * FROM teachers WHERE user_id = :userId"),
							students: await select("SELECT * FROM students WHERE user_id = :userId"),
							teacher_students: await select("SELECT * FROM teacher_students WHERE teacher_id = :userId OR student_id = :userId"),
							teacher_invites: await TeacherInvite.findAll({ where: { teacherId: userId }, raw: true, transaction }),
							refresh_tokens: await RefreshToken.findAll({ where: { userId }, attributes: { exclude: ["tokenHash"] }, raw: true, transaction })
						}
					};
				});
			},

			/** The account row goes, and with it (ON DELETE CASCADE) its role rows, links, invites and refresh tokens. Only a deleted account is purged. */
			async purgePersonalData(event: DomainEvent<"accounts.purge">): Promise<void> {
				await this.queryAsSystem("DELETE FROM users WHERE id = :userId AND deleted_at IS NOT NULL", { userId: event.userId });
			},

			/** Revoked refresh tokens are kept until they expire, so a copied one is still recognised and ends every session. */
			async deleteExpiredRefreshTokens(): Promise<void> {
				await this.queryAsSystem("DELETE FROM refresh_tokens WHERE expires_at < now()");
			},

			/**
			 * Clears this node's cached links now, before the caller is answered, and tells every other
			 * auth node to do the same. "all" for an account deletion, which touches every link of the account.
			 */
			async linksChanged(ctx: Context, link: LinkChange): Promise<void> {
				await this.forgetLinks(link);
				await ctx.broadcast("auth.links.changed", { link });
			},

			async forgetLinks(link: LinkChange): Promise<void> {
				const cacher = this.broker.cacher;
				if (!cacher) return;
				await Promise.all([
					cacher.clean(`${LINK_ACTIONS.studentsOf}:${link === "all" ? "**" : link.teacherId}`),
					cacher.clean(`${LINK_ACTIONS.teachersOf}:${link === "all" ? "**" : link.studentId}`)
				]);
			},

			decoyHash(): Promise<string> {
				this.decoyHashPromise ??= this.passwords.hash("decoy password for absent accounts");
				return this.decoyHashPromise;
			}
		},

		created() {
			if (!config.piiKeys) throw new Error("auth needs the personal-data keys: start it through startNode, which resolves them");
			this.pii = new PiiCipher(config.piiKeys);
			// One queue per node: hashing is bounded by this node's cores.
			this.passwords = createPasswordHasher();
		}
	};
}

