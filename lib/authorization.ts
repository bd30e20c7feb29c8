import type { AuthenticatedUser } from "./actor";
import type { Permission } from "../middlewares/permissions.middleware";

export type RoleDecision = "allow" | "unauthenticated" | "forbidden" | "check-relations";

const RELATIONS: ReadonlySet<Permission> = new Set(["$owner", "$linkedTeacher", "$moderator"]);

/**
 * What can be decided from the caller alone, before any entity is loaded. Shared by the
 * gateway (to refuse early, without a remote call) and the service-side middleware.
 */
export function decideByRole(permissions: readonly Permission[], user: AuthenticatedUser | undefined): RoleDecision {
	if (permissions.includes("public")) return "allow";
	if (!user) return "unauthenticated";
	if (permissions.some((permission) => permission === "authenticated" || permission === user.role)) return "allow";
	return permissions.some((permission) => RELATIONS.has(permission)) ? "check-relations" : "forbidden";
}
