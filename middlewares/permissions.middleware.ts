import type { ActionHandler, ActionSchema, Context, Middleware, Service } from "moleculer";
import type { EtudeMeta, Role } from "../lib/actor";
import { decideByRole } from "../lib/authorization";
import { ForbiddenError, UnauthorizedError } from "../lib/errors";

/**
 * Who may call an action is declared on the action (`permissions`) and checked here only.
 * - `public`: anyone, signed in or not
 * - `authenticated`: any signed-in user
 * - a role (`student`, `teacher`, `admin`)
 * - a relation to the entity the action works on: `$owner`, `$linkedTeacher`, answered by the
 *   service's `isEntityOwner(ctx)` / `isLinkedTeacher(ctx)` methods
 * - `$moderator`: a community moderator (a grant the community holds), answered by `isModerator(ctx)`
 * The caller needs one of the listed permissions. With `needEntity: true` the service's
 * `findEntity(ctx)` loads the entity into `ctx.locals.entity` first (and answers 404 itself).
 * Actions without `permissions` are internal: the gateway refuses to publish them.
 */
export type Permission = "public" | "authenticated" | Role | "$owner" | "$linkedTeacher" | "$moderator";

export interface GuardedAction extends ActionSchema {
	permissions?: Permission[];
	needEntity?: boolean;
}

type RelationCheck = (ctx: Context) => boolean | Promise<boolean>;

interface EntityService extends Service {
	findEntity?(ctx: Context): Promise<unknown>;
	isEntityOwner?: RelationCheck;
	isLinkedTeacher?: RelationCheck;
	isModerator?: RelationCheck;
}

const RELATION_METHODS = {
	$owner: "isEntityOwner",
	$linkedTeacher: "isLinkedTeacher",
	$moderator: "isModerator"
} as const;

export const PermissionsMiddleware: Middleware = {

	localAction(handler: ActionHandler, action: GuardedAction) {
		const permissions = action.permissions;
		if (!permissions) return handler;
		const service = action.service as EntityService | undefined;

		return async function checkPermissions(ctx: Context<unknown, EtudeMeta>) {
			const decision = decideByRole(permissions, ctx.meta.user);
			if (decision === "unauthenticated") throw new UnauthorizedError();
			if (decision === "forbidden") throw new ForbiddenError();

			if (action.needEntity) {
				if (!service?.findEntity) throw new Error(`${action.name} needs an entity but its service has no findEntity()`);
				ctx.locals.entity = await service.findEntity(ctx);
			}
			if (decision === "allow") return handler(ctx);

			for (const permission of permissions) {
				if (!(permission in RELATION_METHODS)) continue;
				const check = service?.[RELATION_METHODS[permission as keyof typeof RELATION_METHODS]];
				if (!check) throw new Error(`${action.name} declares ${permission} but its service cannot check it`);
				if (await check.call(service, ctx)) return handler(ctx);
			}
			throw new ForbiddenError();
		};
	}
};
