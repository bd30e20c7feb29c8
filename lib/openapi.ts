import type { Permission } from "../middlewares/permissions.middleware";

/** An action as the registry describes it: enough to document its REST endpoint. */
export interface PublishedAction {
	name: string;
	rest?: unknown;
	params?: Record<string, unknown>;
	permissions?: Permission[];
	openapi?: { summary?: string; description?: string };
}

type JsonSchema = Record<string, unknown>;

interface Rule {
	type?: string;
	optional?: boolean;
	nullable?: boolean;
	default?: unknown;
	min?: number;
	max?: number;
	values?: unknown[];
	items?: unknown;
	integer?: boolean;
	pattern?: RegExp | string;
	props?: Record<string, unknown>;
}

function asRule(rule: unknown): Rule {
	if (typeof rule === "string") {
		const [type, ...flags] = rule.split("|");
		return { type, optional: flags.includes("optional") };
	}
	return (rule ?? {}) as Rule;
}

/** fastest-validator rules to JSON Schema, for the rule types our actions use. */
export function ruleToSchema(input: unknown): JsonSchema {
	const rule = asRule(input);
	const schema: JsonSchema = (() => {
		switch (rule.type) {
			case "string": {
				const s: JsonSchema = { type: "string" };
				if (rule.min !== undefined) s.minLength = rule.min;
				if (rule.max !== undefined) s.maxLength = rule.max;
				if (rule.pattern) s.pattern = rule.pattern instanceof RegExp ? rule.pattern.source : rule.pattern;
				return s;
			}
			case "email":
				return { type: "string", format: "email", ...(rule.max ? { maxLength: rule.max } : {}) };
			case "url":
				return { type: "string", format: "uri", ...(rule.max ? { maxLength: rule.max } : {}) };
			case "uuid":
				return { type: "string", format: "uuid" };
			case "date":
				return { type: "string", format: "date-time" };
			case "boolean":
				return { type: "boolean" };
			case "number": {
				const s: JsonSchema = { type: rule.integer ? "integer" : "number" };
				if (rule.min !== undefined) s.minimum = rule.min;
				if (rule.max !== undefined) s.maximum = rule.max;
				return s;
			}
			case "enum":
				return { ...enumType(rule.values ?? []), enum: rule.values };
			case "tuple": {
				const items = (rule.items as unknown[]).map(ruleToSchema);
				return { type: "array", prefixItems: items, minItems: items.length, maxItems: items.length };
			}
			case "array":
				return { type: "array", items: ruleToSchema(rule.items), ...(rule.max !== undefined ? { maxItems: rule.max } : {}) };
			case "object":
				return objectSchema(rule.props ?? {});
			default:
				return {};
		}
	})();
	if (rule.default !== undefined) schema.default = rule.default;
	// A rule with no JSON type (a custom check) takes anything, null included.
	if (rule.nullable && typeof schema.type === "string") schema.type = [schema.type, "null"];
	return schema;
}

/** An enum's JSON type is its values' (votes are the numbers 1 and −1, not strings). */
function enumType(values: unknown[]): JsonSchema {
	if (values.every((value) => typeof value === "string")) return { type: "string" };
	if (values.every((value) => Number.isInteger(value))) return { type: "integer" };
	if (values.every((value) => typeof value === "number")) return { type: "number" };
	return {};
}

function objectSchema(props: Record<string, unknown>): JsonSchema {
	const properties: Record<string, JsonSchema> = {};
	const required: string[] = [];
	for (const [name, rule] of Object.entries(props)) {
		if (name.startsWith("$$")) continue;
		properties[name] = ruleToSchema(rule);
		const r = asRule(rule);
		if (!r.optional && r.default === undefined) required.push(name);
	}
	return { type: "object", properties, ...(required.length ? { required } : {}), additionalProperties: false };
}

function restRoutes(rest: unknown): Array<{ method: string; path: string }> {
	const entries = Array.isArray(rest) ? rest : [rest];
	return entries.flatMap((entry) => {
		if (typeof entry !== "string") return [];
		const [method, path] = entry.trim().split(/\s+/);
		return method && path ? [{ method: method.toLowerCase(), path }] : [];
	});
}

export function buildOpenApiDocument(actions: PublishedAction[], basePath: string, version: string): JsonSchema {
	const paths: Record<string, Record<string, JsonSchema>> = {};
	for (const action of actions) {
		for (const { method, path } of restRoutes(action.rest)) {
			const pathParams = [...path.matchAll(/:(\w+)/g)].map((match) => match[1]!);
			const openApiPath = `${basePath}${path}`.replace(/\/+/g, "/").replace(/:(\w+)/g, "{$1}");
			const params = Object.fromEntries(Object.entries(action.params ?? {}).filter(([name]) => !pathParams.includes(name)));
			// Only reads take their parameters from the query string; a DELETE's body stays a body
			// (a password in a URL would land in every access log).
			const inQuery = method === "get" || method === "head";
			const operation: JsonSchema = {
				operationId: action.name,
				summary: action.openapi?.summary,
				description: action.openapi?.description,
				"x-permissions": action.permissions,
				parameters: [
					...pathParams.map((name) => ({ name, in: "path", required: true, schema: ruleToSchema(action.params?.[name]) })),
					...(inQuery
						? Object.entries(params)
								.filter(([name]) => !name.startsWith("$$"))
								.map(([name, rule]) => ({
									name,
									in: "query",
									required: !asRule(rule).optional && asRule(rule).default === undefined,
									schema: ruleToSchema(rule)
								}))
						: [])
				],
				responses: {
					default: { description: "An error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } }
				}
			};
			if (!inQuery && Object.keys(params).length > 0) {
				operation.requestBody = { required: true, content: { "application/json": { schema: objectSchema(params) } } };
			}
			if (!action.permissions?.includes("public")) operation.security = [{ bearerAuth: [] }];
			paths[openApiPath] ??= {};
			paths[openApiPath][method] = operation;
		}
	}
	return {
		openapi: "3.1.0",
		info: { title: "Etude API", version },
		paths,
		components: {
			securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
			schemas: {
				Error: {
					type: "object",
					required: ["code", "message"],
					properties: {
						code: { type: "string" },
						message: { type: "string" },
						fields: { type: "array", items: { type: "object", properties: { field: { type: "string" }, message: { type: "string" } } } }
					}
				}
			}
		}
	};
}
