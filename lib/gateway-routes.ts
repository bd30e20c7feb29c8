import { Service, type ActionSchema, type ServiceSchema } from "moleculer";

/** One HTTP route the gateway answers, and the action behind it. */
export interface DeclaredRoute {
	method: string;
	/** Below the API path, e.g. `/sessions/:id`. */
	path: string;
	action: string;
}

/** What one SERVICES group serves over HTTP, known before any of its nodes has joined. */
export interface GroupRoutes {
	group: string;
	/** Full service names (with version) that must all be reachable for the group to be present. */
	services: string[];
	routes: DeclaredRoute[];
}

export type GatewayRouteTable = GroupRoutes[];

const HTTP_METHODS = new Set(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]);

// Moleculer merges mixins when it creates a service; these are its own merge rules, applied
// to a schema without creating (or starting) anything.
const schemaMixer = Object.create(Service.prototype) as Pick<Service, "applyMixins">;

function fullNameOf(schema: ServiceSchema): string {
	return schema.version === undefined ? schema.name : `v${schema.version}.${schema.name}`;
}

function joinPath(basePath: string, path: string): string {
	const joined = `/${basePath}/${path}`.replace(/\/+/g, "/");
	return joined.length > 1 ? joined.replace(/\/$/, "") : joined;
}

/**
 * The routes of one service, read the way moleculer-web's auto-aliases read them: the
 * service's `settings.rest` (or its name) as the base path, each published action's `rest`.
 */
function routesOf(rawSchema: ServiceSchema): DeclaredRoute[] {
	const schema = schemaMixer.applyMixins(rawSchema);
	const serviceName = fullNameOf(schema);
	const settingsRest: unknown = schema.settings?.rest;
	const basePath = typeof settingsRest === "string" ? settingsRest : serviceName.replace(/\./g, "/");
	const routes: DeclaredRoute[] = [];
	for (const [actionName, definition] of Object.entries(schema.actions ?? {})) {
		if (typeof definition !== "object" || definition === null) continue;
		const action = definition as ActionSchema;
		if (!action.rest || (action.visibility !== undefined && action.visibility !== "published")) continue;
		for (const rest of Array.isArray(action.rest) ? action.rest : [action.rest]) {
			const [method, path] = typeof rest === "string" ? rest.trim().split(/\s+/, 2) : [rest.method, rest.path];
			if (!method || !path || !HTTP_METHODS.has(method.toUpperCase())) {
				throw new Error(`${serviceName}.${actionName} declares rest ${JSON.stringify(rest)}: the gateway needs "METHOD /path"`);
			}
			routes.push({ method: method.toUpperCase(), path: joinPath(basePath, path), action: `${serviceName}.${actionName}` });
		}
	}
	return routes;
}

/**
 * Builds the gateway's route table from the service schemas of the groups it fronts, so a
 * route exists (and answers 503 while its group is away) before any node of that group has
 * joined. Two actions claiming one method and path is a programming error, refused here.
 */
export function buildRouteTable(groups: Record<string, ServiceSchema[]>): GatewayRouteTable {
	const owners = new Map<string, string>();
	return Object.entries(groups).map(([group, schemas]) => {
		const routes = schemas.flatMap(routesOf);
		for (const route of routes) {
			const key = `${route.method} ${route.path}`;
			const owner = owners.get(key);
			if (owner) throw new Error(`${key} is declared by both ${owner} and ${route.action}`);
			owners.set(key, route.action);
		}
		return { group, services: schemas.map((schema) => fullNameOf(schemaMixer.applyMixins(schema))), routes };
	});
}

/** moleculer-web's alias notation: `{ "POST /sessions": "sessions.create" }`. */
export function aliasesOf(table: GatewayRouteTable): Record<string, string> {
	return Object.fromEntries(table.flatMap((group) => group.routes.map((route) => [`${route.method} ${route.path}`, route.action])));
}

/** The groups of the table with at least one of their services not reachable right now. */
export function absentGroups(table: GatewayRouteTable, availableServices: ReadonlySet<string>): string[] {
	return table.filter((group) => group.services.some((service) => !availableServices.has(service))).map((group) => group.group);
}
