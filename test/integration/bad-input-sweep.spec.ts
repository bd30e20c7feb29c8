import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServedRoute } from "../../services/api.service";
import { UPLOAD_PATH } from "../../services/media/paths";
import { OBJECT_URL_BASE_PATH } from "../../mixins/storage.mixin";
import { testDatabaseUrl } from "../support/file-database";
import { ask, reply } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { inParallel } from "../support/in-parallel";
import { servedRoutes } from "../support/served-routes";
import { localDate, logSession } from "../support/teaching-fixtures";
import { startTestApi, type TestApi } from "../support/test-node";

/**
 * Malformed input to every route the gateway serves (its own list, `servedRoutes()`), as a student,
 * as a teacher and, cheaply, as nobody: each answer must be a 4xx with a JSON `code` (ERR_…), never a
 * 5xx and never a hang. What is malformed comes from each route's parameters in the OpenAPI document:
 * junk path parameters, bodies that are not an object or not JSON, bodies with every field (or one
 * field) of the wrong type, a NUL byte in a text field, unknown fields only, and wrong query values.
 * An answer of 2xx is no failure by itself (the input was acceptable after all); the callers' tokens
 * must still work at the end, so no bad input signed anyone out or deleted an account.
 */
type JsonSchema = {
	type?: string | Array<string | null>;
	format?: string;
	pattern?: string;
	enum?: unknown[];
	minLength?: number;
	maxLength?: number;
	minimum?: number;
	properties?: Record<string, JsonSchema>;
	required?: string[];
};

interface Operation {
	"x-permissions"?: string[];
	parameters?: Array<{ name: string; in: "path" | "query"; required?: boolean; schema: JsonSchema }>;
	requestBody?: { content: { "application/json": { schema: JsonSchema } } };
}

/** One malformed request to one route. */
interface BadInput {
	route: string;
	/** What is wrong with it, for the report. */
	input: string;
	method: string;
	/** Below the origin, query included. */
	path: string;
	body?: string;
	headers?: Record<string, string>;
	/** Its errors must be JSON with a code: every route but signed object URLs, which answer as the bucket does. */
	json: boolean;
	/** A route anyone may call: nobody sends it every bad input too. */
	public: boolean;
	/** Never acceptable, so never a 2xx either: a body that is no JSON object, text with a NUL character. */
	mustRefuse?: boolean;
	/** It could end the caller's session or account if the input were (wrongly) accepted: sent after every other. */
	last: boolean;
}

type Caller = "student" | "teacher" | "anonymous";
/** Byte-stream routes outside the OpenAPI document: only their path parameters are sent junk. */
const BYTE_STREAM_PATHS = [UPLOAD_PATH, OBJECT_URL_BASE_PATH];
/** Routes that end a session or an account when they succeed. */
const ENDS_A_SESSION = new Set(["DELETE /api/me", "POST /api/auth/logout"]);
const REQUEST_TIMEOUT_MS = 15_000;

const JUNK_PATH_VALUES: Record<string, string> = {
	"not a uuid": "not-a-uuid",
	"SQL": encodeURIComponent("'; DROP TABLE x;--"),
	"5 000 characters": "x".repeat(5000),
	"NUL": "%00",
	"dot segments": "..%2F..%2Fetc%2Fpasswd"
};
const base64 = (value: string) => Buffer.from(value).toString("base64");
/** A tus upload is created from its headers alone: those are its input. */
const JUNK_UPLOAD_HEADERS: Record<string, Record<string, string>> = {
	"negative Upload-Length": { "upload-length": "-1", "upload-metadata": `kind ${base64("video")}` },
	"Upload-Length not a number": { "upload-length": "many", "upload-metadata": `kind ${base64("video")}` },
	"Upload-Metadata not base64": { "upload-length": "1000", "upload-metadata": "sessionId %%%,kind ???" },
	"sessionId not a uuid": { "upload-length": "1000", "upload-metadata": `sessionId ${base64("not-a-uuid")},kind ${base64("video")}` },
	"unknown kind": { "upload-length": "1000", "upload-metadata": `sessionId ${base64(randomUUID())},kind ${base64("no-such-kind")}` },
	"NUL in metadata": { "upload-length": "1000", "upload-metadata": `sessionId ${base64("\u0000")},kind ${base64("forum-image\u0000")}` }
};
/** Routes with nothing a client could get wrong: a CORS preflight. */
const NO_INPUT = new Set([`OPTIONS ${UPLOAD_PATH}`]);
const JUNK_BODIES: Record<string, string> = {
	"an array": "[]",
	"a string": '"text"',
	"a number": "42",
	"null": "null",
	"broken JSON": "{"
};

let api: TestApi;
let http: ReturnType<typeof httpClient>;
const accounts = {} as Record<Exclude<Caller, "anonymous">, Account>;
let operations: Map<string, Operation>;
/**
 * Real entities of the student (and of its teacher), by the path segment naming them: a junk value in
 * one path parameter, or a bad body, then reaches the code behind the entity's lookup, not a 404.
 */
const entityBySegment: Record<string, string> = {};
const LESSON_START_LOCAL = "2031-03-04T16:00";
/** The lesson's second weekly occurrence (16:00 in Vienna, winter time). */
const LESSON_OCCURRENCE = "2031-03-11T15:00:00.000Z";

function primaryType(schema: JsonSchema): string | undefined {
	return Array.isArray(schema.type) ? (schema.type.find((type) => type !== "null" && type !== null) ?? undefined) : schema.type;
}

function accepts(schema: JsonSchema, value: string): boolean {
	return (
		value.length >= (schema.minLength ?? 0) &&
		value.length <= (schema.maxLength ?? Infinity) &&
		(!schema.pattern || new RegExp(schema.pattern, "u").test(value))
	);
}

/**
 * A value the parameter accepts, so that a request with one wrong field is refused for that field
 * alone; ids are random (nobody's), a student id is the signed-in student's own.
 */
function validValue(name: string, schema: JsonSchema): unknown {
	if (schema.enum) return schema.enum.find((value) => value !== null);
	switch (primaryType(schema)) {
		case "string": {
			if (schema.format === "uuid") return /^student/.test(name) ? accounts.student.id : randomUUID();
			if (schema.format === "date-time") return "2031-03-04T16:00:00.000Z";
			if (schema.format === "email") return `bad-input-${randomUUID()}@example.org`;
			const candidates = ["2031-03-04", "2031-03-04T16:00", "16:00", "#336699", "a".repeat(Math.max(schema.minLength ?? 0, 8))];
			return candidates.find((candidate) => accepts(schema, candidate)) ?? "a";
		}
		case "integer":
		case "number":
			return schema.minimum ?? 1;
		case "boolean":
			return true;
		case "array":
			return [];
		case "object":
			return Object.fromEntries(
				Object.entries(schema.properties ?? {})
					.filter(([property]) => schema.required?.includes(property))
					.map(([property, propertySchema]) => [property, validValue(property, propertySchema)])
			);
		default:
			// Custom rules the document cannot describe (a time zone, a push endpoint).
			if (/timezone|^tz$/i.test(name)) return "Europe/Vienna";
			if (/endpoint|url/i.test(name)) return "https://push.example.org/bad-input-sweep";
			return "a";
	}
}

/** A value of the wrong type for the field. */
function wrongType(schema: JsonSchema): unknown {
	if (schema.enum) return "no-such-value";
	switch (primaryType(schema)) {
		case "string":
			return schema.format || schema.pattern ? "junk" : 12345;
		case "integer":
		case "number":
			return "x";
		case "boolean":
			return "yes";
		case "array":
			return "x";
		case "object":
			return [1];
		default:
			return { nested: [] };
	}
}

/** Values that have a field's format but name no real day, time or zone: what only the code behind the validator can refuse. */
const IMPOSSIBLE_VALUES = ["2031-02-30", "2031-13-45", "0000-00-00", "2031-02-30T25:61", "9999-99-99T99:99", "2031-02-30T25:61:00.000Z", "Mars/Olympus_Mons"];

function impossibleValue(name: string, schema: JsonSchema): string | undefined {
	const type = primaryType(schema);
	if (type === undefined && /timezone|^tz$/i.test(name)) return "Mars/Olympus_Mons";
	if (type !== "string" || schema.enum || !(schema.pattern || schema.format === "date-time")) return undefined;
	return IMPOSSIBLE_VALUES.find((value) => (schema.format === "date-time" ? /T/.test(value) && /Z$/.test(value) : accepts(schema, value)));
}

/** Text with a NUL byte, which PostgreSQL cannot store, of a length the field accepts. */
function withNulByte(schema: JsonSchema): string {
	return "\u0000".padStart(Math.max(schema.minLength ?? 0, 2), "a");
}

/** Wrong values for a query parameter, already encoded. */
function wrongQueryValues(schema: JsonSchema): Record<string, string> {
	if (schema.enum) return { "not one of its values": "no-such-value" };
	switch (primaryType(schema)) {
		case "integer":
		case "number":
			return { "not a number": "x", "negative": "-1", "out of any range": "1e400" };
		case "boolean":
			return { "not a boolean": "yes" };
		case "string":
			return {
				...(schema.format || schema.pattern ? { "not its format": "yesterday" } : {}),
				...(schema.maxLength !== undefined ? { "too long": "a".repeat(schema.maxLength + 1) } : {}),
				"NUL": "%00"
			};
		default:
			return { "not a known value": "Mars%2FOlympus_Mons", "NUL": "%00" };
	}
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, "{$1}");
const pathParamsOf = (path: string) => [...path.matchAll(/[:*](\w+)/g)].map((match) => match[1]!);
const queryOf = (params: Array<[string, string]>) => (params.length ? `?${params.map(([name, value]) => `${name}=${value}`).join("&")}` : "");

/** Every bad input for one route. */
function badInputsOf(route: ServedRoute): BadInput[] {
	const key = `${route.method} ${route.path}`;
	const operation = operations.get(`${route.method} ${openApiPath(route.path)}`);
	const json = operation !== undefined;
	const schemaOf = (name: string): JsonSchema => operation?.parameters?.find((parameter) => parameter.in === "path" && parameter.name === name)?.schema ?? { type: "string" };
	const pathParams = pathParamsOf(route.path);
	// A DELETE that succeeded would take the entity from the requests after it: bad bodies go to nobody's.
	const realEntities = route.method !== "DELETE";
	const pathWith = (replaced: Record<string, string>, real: boolean) =>
		route.path.replace(/(?<=([^/]+)\/)[:*](\w+)/g, (_, segment: string, name: string) => {
			const entity = real ? entityBySegment[segment.replace(/^:/, "")] : undefined;
			return replaced[name] ?? encodeURIComponent(entity ?? String(validValue(name, schemaOf(name))));
		});
	const validPath = () => pathWith({}, realEntities);
	const query = (operation?.parameters ?? []).filter((parameter) => parameter.in === "query");
	const validQuery = query.filter((parameter) => parameter.required).map((parameter): [string, string] => [parameter.name, encodeURIComponent(String(validValue(parameter.name, parameter.schema)))]);
	const bodySchema = operation?.requestBody?.content["application/json"].schema;
	const inputs: Array<Pick<BadInput, "input" | "path" | "body" | "headers" | "mustRefuse">> = [];

	for (const name of pathParams) {
		for (const [label, value] of Object.entries(JUNK_PATH_VALUES)) {
			inputs.push({
				input: `path ${name}: ${label}`,
				path: pathWith({ [name]: value }, true) + queryOf(validQuery),
				body: bodySchema && JSON.stringify(validValue("body", bodySchema)),
				mustRefuse: json && value === "%00"
			});
		}
	}
	if (!json && route.path.startsWith(UPLOAD_PATH)) {
		// Without it tus refuses every request (412) before it looks at the upload's id.
		for (const input of inputs) input.headers = { "tus-resumable": "1.0.0" };
	}
	if (key === `POST ${UPLOAD_PATH}`) {
		for (const [label, headers] of Object.entries(JUNK_UPLOAD_HEADERS)) inputs.push({ input: `tus: ${label}`, path: route.path, headers: { "tus-resumable": "1.0.0", ...headers } });
	}
	// tus answers in its own protocol, but its refusals carry a code like every other route's.
	if (!json) return inputs.map((input) => ({ ...input, route: key, method: route.method, json: route.path.startsWith(UPLOAD_PATH), public: false, last: false }));

	if (bodySchema) {
		const properties = Object.entries(bodySchema.properties ?? {});
		const valid = validValue("body", bodySchema) as Record<string, unknown>;
		const withBody = (input: string, body: unknown, mustRefuse = false) => inputs.push({ input, path: validPath(), body: typeof body === "string" ? body : JSON.stringify(body), mustRefuse });
		for (const [label, raw] of Object.entries(JUNK_BODIES)) withBody(`body: ${label}`, raw, true);
		withBody("body: only unknown fields", { unexpectedField: 1, isAdmin: true });
		if (properties.length > 0) {
			withBody("body: every field of the wrong type", Object.fromEntries(properties.map(([name, schema]) => [name, wrongType(schema)])));
		}
		for (const [name, schema] of properties) {
			withBody(`body ${name}: wrong type`, { ...valid, [name]: wrongType(schema) });
			if (primaryType(schema) === "string" && !schema.enum && !schema.format && !schema.pattern) withBody(`body ${name}: NUL byte`, { ...valid, [name]: withNulByte(schema) }, true);
			const impossible = impossibleValue(name, schema);
			if (impossible !== undefined) withBody(`body ${name}: impossible ${impossible}`, { ...valid, [name]: impossible });
		}
	}

	if (query.length > 0) {
		const wrongByParam = query.map((parameter) => [parameter.name, wrongQueryValues(parameter.schema)] as const);
		inputs.push({ input: "query: every parameter wrong", path: validPath() + queryOf(wrongByParam.map(([name, values]) => [name, Object.values(values)[0]!])) });
		for (const [name, values] of wrongByParam) {
			const others = validQuery.filter(([other]) => other !== name);
			const impossible = impossibleValue(name, query.find((parameter) => parameter.name === name)!.schema);
			const all = { ...values, ...(impossible !== undefined ? { [`impossible ${impossible}`]: encodeURIComponent(impossible) } : {}) };
			for (const [label, value] of Object.entries(all)) inputs.push({ input: `query ${name}: ${label}`, path: validPath() + queryOf([...others, [name, value]]), mustRefuse: value === "%00" });
			inputs.push({ input: `query ${name}: repeated`, path: validPath() + queryOf([...validQuery.filter(([other]) => other !== name), [name, "a"], [name, "b"]]) });
		}
	} else if (route.method === "GET" || route.method === "HEAD") {
		// Nothing to get wrong but the address itself: parameters the route does not take.
		inputs.push({ input: "query: unknown parameters", path: validPath() + queryOf([["unexpected", "%00"], ["limit", "-1"], ["from", "yesterday"]]) });
	}

	const isPublic = operation["x-permissions"]?.includes("public") ?? false;
	return inputs.map((input) => ({ ...input, route: key, method: route.method, json, public: isPublic, last: ENDS_A_SESSION.has(key) }));
}

interface Attempt {
	caller: Caller;
	badInput: BadInput;
}

const sentByRoute = new Map<string, number>();
const statusCounts = new Map<number | "timeout", number>();

async function attempt({ caller, badInput }: Attempt): Promise<void> {
	const headers: Record<string, string> = { ...badInput.headers };
	if (caller !== "anonymous") headers.authorization = `Bearer ${accounts[caller].token}`;
	if (badInput.body !== undefined) headers["content-type"] = "application/json";
	const label = `${caller} ${badInput.method} ${badInput.route} [${badInput.input}] (${badInput.path.slice(0, 120)})`;
	sentByRoute.set(badInput.route, (sentByRoute.get(badInput.route) ?? 0) + 1);
	let status: number;
	let text: string;
	try {
		const response = await fetch(`${api.baseUrl}${badInput.path}`, { method: badInput.method, headers, body: badInput.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
		status = response.status;
		text = await response.text();
	} catch (error) {
		statusCounts.set("timeout", (statusCounts.get("timeout") ?? 0) + 1);
		expect.soft(`no answer within ${REQUEST_TIMEOUT_MS} ms (${(error as Error).name})`, label).toBe("an answer");
		return;
	}
	statusCounts.set(status, (statusCounts.get(status) ?? 0) + 1);
	const shown = `${label} → ${status}: ${text.slice(0, 300)}`;
	// Soft: one run reports every route that misbehaves, not just the first.
	expect.soft(status, shown).toBeLessThan(500);
	if (badInput.mustRefuse) expect.soft(status, shown).toBeGreaterThanOrEqual(400);
	// A HEAD answer has no body, and tus and signed object URLs answer in their own protocols.
	if (status >= 400 && badInput.json && badInput.method !== "HEAD") {
		let code: unknown;
		try {
			code = (JSON.parse(text) as { code?: unknown }).code;
		} catch {
			code = undefined;
		}
		expect.soft(String(code), shown).toMatch(/^ERR_[A-Z_]+$/);
	}
}

beforeAll(async () => {
	api = await startTestApi(testDatabaseUrl());
	http = httpClient(api.baseUrl);
	[accounts.student, accounts.teacher] = await Promise.all([http.register("student", "Student of the bad-input sweep"), http.register("teacher", "Teacher of the bad-input sweep")]);
	await http.link(accounts.teacher, accounts.student);
	const { student, teacher } = accounts;
	const session = await logSession(http, student, new Date(Date.now() - 3_600_000), 20);
	const created = async (account: Account, method: string, path: string, body?: unknown): Promise<string> => {
		const response = await http.request(method, path, { token: account.token, body });
		if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(response.body)}`);
		return response.body.id as string;
	};
	const post = await ask(http, student, { title: "A question of the bad-input sweep", body: "Which fingering for the third-position shift?" });
	const [tag, lesson, assignment, feedback, goal, comment, exportJob] = await Promise.all([
		created(student, "POST", "/api/tags", { name: "Sweep tag", color: "#123456" }),
		created(teacher, "POST", "/api/schedule/classes", {
			title: "Lesson of the bad-input sweep",
			studentIds: [student.id],
			startLocal: LESSON_START_LOCAL,
			timezone: "Europe/Vienna",
			durationMinutes: 45,
			recurrence: { frequency: "weekly", interval: 1, count: 10 },
			allowOverlap: true
		}),
		created(teacher, "POST", "/api/assignments", { studentId: student.id, title: "Étude of the bad-input sweep", dueDate: localDate("Europe/Vienna", -3) }),
		created(teacher, "POST", `/api/sessions/${session.id}/feedback`, { text: "Feedback of the bad-input sweep" }),
		created(teacher, "PUT", "/api/goals", { studentId: student.id, minutesPerWeek: 90 }),
		reply(http, teacher, post, "An answer of the bad-input sweep"),
		created(student, "POST", "/api/me/export")
	]);
	Object.assign(entityBySegment, {
		sessions: session.id,
		tags: tag,
		classes: lesson,
		occurrences: LESSON_OCCURRENCE,
		assignments: assignment,
		feedback,
		goals: goal,
		posts: post,
		comments: comment,
		accept: comment,
		itemType: post,
		export: exportJob,
		students: student.id
	});
	const document = (await http.request("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, Operation>> };
	operations = new Map(
		Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation] as const))
	);
}, 60_000);
afterAll(() => api?.stop());

describe("bad input to every route the gateway serves", () => {
	it("finds every JSON route in the OpenAPI document, so each gets bad input from its parameters", () => {
		const served = servedRoutes(api);
		expect(served.length).toBeGreaterThanOrEqual(100);
		const undocumented = served.filter((route) => !operations.has(`${route.method} ${openApiPath(route.path)}`));
		expect(undocumented.filter((route) => !BYTE_STREAM_PATHS.some((base) => route.path === base || route.path.startsWith(`${base}/`)))).toEqual([]);
		expect(operations.size).toBe(served.length - undocumented.length);
	});

	it("answers every bad input with a 4xx and an ERR_ code, never a 5xx or a hang, and signs nobody out", async () => {
		const started = Date.now();
		const served = servedRoutes(api);
		const badInputs = served.flatMap(badInputsOf);
		const attempts = (last: boolean): Attempt[] =>
			badInputs
				.filter((badInput) => badInput.last === last)
				.flatMap((badInput) => [
					{ caller: "student" as const, badInput },
					{ caller: "teacher" as const, badInput },
					// Nobody is refused (401) before the input is read, unless the route is public: one input each proves the refusal.
					...(badInput.public || badInputs.find((first) => first.route === badInput.route) === badInput ? [{ caller: "anonymous" as const, badInput }] : [])
				]);
		await inParallel(attempts(false), 4, attempt);
		for (const lastAttempt of attempts(true)) await attempt(lastAttempt);

		for (const [caller, account] of Object.entries(accounts)) {
			expect((await http.request("GET", "/api/me", { token: account.token })).status, `${caller}'s token still works`).toBe(200);
		}
		// Every route the gateway serves was sent something malformed.
		expect(served.map((route) => `${route.method} ${route.path}`).filter((route) => !sentByRoute.has(route) && !NO_INPUT.has(route))).toEqual([]);
		const byStatus = Object.fromEntries([...statusCounts].sort(([a], [b]) => String(a).localeCompare(String(b))));
		console.warn(`bad-input sweep: ${attempts(false).length + attempts(true).length} requests, ${badInputs.length} bad inputs over ${served.length} routes in ${Date.now() - started} ms; answers by status ${JSON.stringify(byStatus)}`);
	}, 180_000);
});
