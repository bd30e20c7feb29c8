import { randomInt } from "node:crypto";
import argon2 from "argon2";
import type { Context, ServiceSchema } from "moleculer";
import { DataTypes, Op, QueryTypes, type Model, type Sequelize } from "sequelize";
import type { AuthenticatedUser, EtudeMeta, Role } from "../lib/actor";
import { ConflictError, EtudeClientError, NotFoundError, UnauthorizedError } from "../lib/errors";
import { hashRefreshToken, newRefreshToken, signAccessToken } from "../lib/tokens";
import { isValidTimezone } from "../lib/timezones";
import type { NodeConfig } from "../lib/node-config";
import { DbMixin } from "../mixins/db.mixin";

interface UserRow {
	id: string;
	email: string;
	passwordHash: string;
	role: Role;
	name: string;
	timezone: string;
	a4Hz: number;
	createdAt: Date;
	deletedAt: Date | null;
}

export interface PublicUser {
	id: string;
	email: string;
	name: string;
	role: Role;
	timezone: string;
	a4Hz: number;
	createdAt: string;
}

interface LinkedPerson {
	id: string;
	name: string;
}

export interface AuthResult {
	token: string;
	refreshToken: string;
	user: PublicUser;
}

type AuthContext<P = Record<string, never>> = Context<P, EtudeMeta>;

// OWASP's recommended argon2id profile: strong, yet ~20 ms so sign-in stays quick.
const PASSWORD_HASHING = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
// Letters and digits that cannot be misread when a teacher writes the code on a whiteboard.
const INVITE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const INVITE_LENGTH = 8;
const INVITE_LIFETIME_DAYS = 14;

function defineModels(sequelize: Sequelize) {
	const User = sequelize.define(
		"User",
		{
			id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
			email: { type: DataTypes.TEXT, allowNull: false },
			passwordHash: { type: DataTypes.TEXT, allowNull: false },
			role: { type: DataTypes.ENUM("student", "teacher", "admin"), allowNull: false },
			name: { type: DataTypes.TEXT, allowNull: false },
			timezone: { type: DataTypes.TEXT, allowNull: false },
			a4Hz: { type: DataTypes.REAL, allowNull: false, defaultValue: 440 },
			deletedAt: { type: DataTypes.DATE }
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

const timezoneParam = { type: "custom", check: (value: unknown) => (typeof value === "string" && isValidTimezone(value) ? true : [{ type: "timezone", actual: value }]), messages: { timezone: "The '{field}' field must be an IANA time zone such as Europe/Vienna." } };

export default function authService(config: NodeConfig): ServiceSchema {
	return {
		name: "auth",
		mixins: [DbMixin(defineModels)],
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
					timezone: timezoneParam
				},
				async handler(ctx: AuthContext<{ email: string; password: string; role: Role; name: string; timezone: string }>): Promise<AuthResult> {
					const { email, password, role, name, timezone } = ctx.params;
					const passwordHash = await argon2.hash(password, PASSWORD_HASHING);
					const sequelize: Sequelize = this.sequelize;
					const user = await sequelize.transaction(async (transaction) => {
						const [row] = await sequelize.query<UserRow>(
							`INSERT INTO users (email, password_hash, role, name, timezone)
							 VALUES (:email, :passwordHash, :role, :name, :timezone)
							 ON CONFLICT (lower(email)) WHERE deleted_at IS NULL DO NOTHING
							 RETURNING id, email, role, name, timezone, a4_hz AS "a4Hz", created_at AS "createdAt"`,
							{ replacements: { email, passwordHash, role, name, timezone }, type: QueryTypes.SELECT, transaction }
						);
						if (!row) throw new ConflictError("An account with this email already exists", "ERR_EMAIL_TAKEN");
						await sequelize.query(
							role === "teacher" ? "INSERT INTO teachers (user_id) VALUES (:id)" : "INSERT INTO students (user_id) VALUES (:id)",
							{ replacements: { id: row.id }, transaction }
						);
						return row;
					});
					ctx.meta.$statusCode = 201;
					ctx.meta.$location = "/api/me";
					ctx.emit("auth.registered", { userId: user.id, role: user.role });
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
					const user = await this.findActiveUserByEmail(ctx.params.email);
					// Verify against a throwaway hash when there is no such user, so response time
					// does not reveal which emails have accounts.
					const valid = await argon2.verify(user?.passwordHash ?? (await this.decoyHash()), ctx.params.password);
					if (!user || !valid) throw new UnauthorizedError("Email or password is not right", "ERR_INVALID_CREDENTIALS");
					return this.issueTokens(user);
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
						await RefreshToken.findOne({ where: { tokenHash: hashRefreshToken(ctx.params.refreshToken) } })
					);
					const invalid = new UnauthorizedError("Please sign in again", "ERR_INVALID_REFRESH_TOKEN");
					if (!stored) throw invalid;
					if (stored.revokedAt) {
						// A revoked token coming back means it was copied: end every session of the user.
						await this.revokeAllRefreshTokens(stored.userId);
						throw invalid;
					}
					if (stored.expiresAt.getTime() <= Date.now()) throw invalid;
					const [revoked] = await RefreshToken.update(
						{ revokedAt: new Date() },
						{ where: { id: stored.id, revokedAt: null } }
					);
					if (revoked === 0) throw invalid;
					const user = await this.findActiveUserById(stored.userId);
					if (!user) throw invalid;
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
					await RefreshToken.update(
						{ revokedAt: new Date() },
						{ where: { tokenHash: hashRefreshToken(ctx.params.refreshToken), revokedAt: null } }
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
					timezone: { ...timezoneParam, optional: true },
					a4Hz: { type: "number", min: 415, max: 466, optional: true }
				},
				async handler(ctx: AuthContext<{ name?: string; timezone?: string; a4Hz?: number }>): Promise<PublicUser> {
					const user = await this.requireCurrentUser(ctx);
					const { primary: User } = this.models as AuthModels;
					await User.update({ ...ctx.params }, { where: { id: user.id, deletedAt: null } });
					return toPublicUser({ ...user, ...ctx.params });
				}
			},

			deleteMe: {
				rest: "DELETE /me",
				permissions: ["authenticated"],
				openapi: { summary: "Delete the account; practice data and recordings are purged" },
				params: { $$strict: true, password: { type: "string", min: 1, max: 200 } },
				async handler(ctx: AuthContext<{ password: string }>): Promise<void> {
					const user = await this.requireCurrentUser(ctx);
					if (!(await argon2.verify(user.passwordHash, ctx.params.password))) {
						throw new UnauthorizedError("The password is not right", "ERR_INVALID_CREDENTIALS");
					}
					const { primary: User } = this.models as AuthModels;
					await User.update({ deletedAt: new Date() }, { where: { id: user.id } });
					await this.revokeAllRefreshTokens(user.id);
					ctx.emit("auth.user.deleted", { userId: user.id, role: user.role });
					ctx.meta.$statusCode = 204;
				}
			},

			createInvite: {
				rest: "POST /teachers/invites",
				permissions: ["teacher"],
				openapi: { summary: "A code students redeem to link to this teacher" },
				params: { $$strict: true },
				async handler(ctx: AuthContext): Promise<{ code: string; expiresAt: string }> {
					const { TeacherInvite } = this.models as AuthModels;
					const expiresAt = new Date(Date.now() + INVITE_LIFETIME_DAYS * 86_400_000);
					const code = Array.from({ length: INVITE_LENGTH }, () => INVITE_ALPHABET[randomInt(INVITE_ALPHABET.length)]).join("");
					await TeacherInvite.create({ code, teacherId: ctx.meta.user!.id, expiresAt });
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
					const invites = await TeacherInvite.findAll({
						where: { teacherId: ctx.meta.user!.id, expiresAt: { [Op.gt]: new Date() } },
						order: [["expiresAt", "DESC"]],
						raw: true
					});
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
					const [invite] = await sequelize.query<{ teacherId: string; name: string; expired: boolean }>(
						`SELECT i.teacher_id AS "teacherId", u.name, i.expires_at <= now() AS expired
						 FROM teacher_invites i JOIN users u ON u.id = i.teacher_id AND u.deleted_at IS NULL
						 WHERE i.code = :code`,
						{ replacements: { code: ctx.params.code }, type: QueryTypes.SELECT }
					);
					if (!invite) throw new NotFoundError("Invite code", "ERR_INVITE_INVALID");
					if (invite.expired) throw new EtudeClientError("This invite code has expired", 410, "ERR_INVITE_EXPIRED");
					await sequelize.transaction(async (transaction) => {
						await sequelize.query(
							"INSERT INTO teacher_students (teacher_id, student_id) VALUES (:teacherId, :studentId) ON CONFLICT DO NOTHING",
							{ replacements: { teacherId: invite.teacherId, studentId }, transaction }
						);
						await sequelize.query(
							"UPDATE students SET primary_teacher_id = :teacherId WHERE user_id = :studentId AND primary_teacher_id IS NULL",
							{ replacements: { teacherId: invite.teacherId, studentId }, transaction }
						);
					});
					ctx.emit("auth.student.linked", { teacherId: invite.teacherId, studentId });
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

			listStudents: {
				rest: "GET /students",
				permissions: ["teacher"],
				openapi: { summary: "The students linked to this teacher" },
				async handler(ctx: AuthContext): Promise<LinkedPerson[]> {
					return this.linkedPeople("studentsOf", ctx.meta.user!.id);
				}
			},

			tuningOf: {
				visibility: "public",
				params: { userId: { type: "uuid" } },
				async handler(ctx: Context<{ userId: string }>): Promise<{ a4Hz: number }> {
					const user = await this.findActiveUserById(ctx.params.userId);
					if (!user) throw new NotFoundError("User", "ERR_USER_NOT_FOUND");
					return { a4Hz: user.a4Hz };
				}
			},

			linkedStudentIds: {
				visibility: "public",
				params: { teacherId: { type: "uuid" } },
				async handler(ctx: Context<{ teacherId: string }>): Promise<string[]> {
					const people: LinkedPerson[] = await this.linkedPeople("studentsOf", ctx.params.teacherId);
					return people.map((person) => person.id);
				}
			},

			linkedTeacherIds: {
				visibility: "public",
				params: { studentId: { type: "uuid" } },
				async handler(ctx: Context<{ studentId: string }>): Promise<string[]> {
					const people: LinkedPerson[] = await this.linkedPeople("teachersOf", ctx.params.studentId);
					return people.map((person) => person.id);
				}
			}
		},

		methods: {
			async issueTokens(user: UserRow): Promise<AuthResult> {
				const { RefreshToken } = this.models as AuthModels;
				const identity: AuthenticatedUser = { id: user.id, role: user.role, name: user.name };
				const refresh = newRefreshToken();
				await RefreshToken.create({
					userId: user.id,
					tokenHash: refresh.hash,
					expiresAt: new Date(Date.now() + config.refreshTokenTtlDays * 86_400_000)
				});
				return {
					token: signAccessToken(identity, config.jwtSecret, config.accessTokenTtlSeconds),
					refreshToken: refresh.token,
					user: toPublicUser(user)
				};
			},

			async revokeAllRefreshTokens(userId: string): Promise<void> {
				const { RefreshToken } = this.models as AuthModels;
				await RefreshToken.update({ revokedAt: new Date() }, { where: { userId, revokedAt: null } });
			},

			async findActiveUserByEmail(email: string): Promise<UserRow | null> {
				const { primary: User } = this.models as AuthModels;
				const sequelize: Sequelize = this.sequelize;
				return plain<UserRow>(
					await User.findOne({
						where: { [Op.and]: [sequelize.where(sequelize.fn("lower", sequelize.col("email")), email.toLowerCase()), { deletedAt: null }] }
					})
				);
			},

			async findActiveUserById(id: string): Promise<UserRow | null> {
				const { primary: User } = this.models as AuthModels;
				return plain<UserRow>(await User.findOne({ where: { id, deletedAt: null } }));
			},

			async requireCurrentUser(ctx: AuthContext): Promise<UserRow> {
				const user = await this.findActiveUserById(ctx.meta.user!.id);
				if (!user) throw new UnauthorizedError("This account no longer exists", "ERR_ACCOUNT_DELETED");
				return user;
			},

			/** A user's linked teachers or students who still have an account, by name. */
			async linkedPeople(relation: "teachersOf" | "studentsOf", userId: string): Promise<LinkedPerson[]> {
				const [known, other] = relation === "teachersOf" ? ["student_id", "teacher_id"] : ["teacher_id", "student_id"];
				const sequelize: Sequelize = this.sequelize;
				return sequelize.query(
					`SELECT u.id, u.name FROM teacher_students ts JOIN users u ON u.id = ts.${other}
					 WHERE ts.${known} = :userId AND u.deleted_at IS NULL ORDER BY u.name`,
					{ replacements: { userId }, type: QueryTypes.SELECT }
				);
			},

			decoyHash(): Promise<string> {
				this.decoyHashPromise ??= argon2.hash("decoy password for absent accounts", PASSWORD_HASHING);
				return this.decoyHashPromise;
			}
		}
	};
}

