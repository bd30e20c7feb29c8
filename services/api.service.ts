import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { ActionSchema, Context, ServiceSchema } from "moleculer";
import type { Server } from "@tus/server";
import ApiGateway from "moleculer-web";
import type { EtudeMeta } from "../lib/actor";
import { toApiError } from "../lib/api-errors";
import { decideByRole } from "../lib/authorization";
import { ForbiddenError, UnauthorizedError } from "../lib/errors";
import type { NodeConfig } from "../lib/node-config";
import { buildOpenApiDocument, type PublishedAction } from "../lib/openapi";
import { verifyAccessToken } from "../lib/tokens";
import { createObjectStorage, createSignedObjectRequestHandler } from "../lib/storage";
import type { GuardedAction } from "../middlewares/permissions.middleware";
import { OBJECT_URL_BASE_PATH, objectStorageConfig, objectUrlSigningSecret } from "../mixins/storage.mixin";
import { UPLOAD_PATH } from "./media/paths";
import { createUploadServer } from "./media/uploads";

const API_PATH = "/api";
const SERVICE_ABSENT = new Set(["SERVICE_UNAVAILABLE", "SERVICE_NOT_AVAILABLE", "SERVICE_NOT_FOUND"]);
// moleculer-web's own implementations, wrapped below.
const gatewayMethods = ApiGateway.methods as Record<
	"regenerateAutoAliases" | "aliasHandler" | "send404" | "httpHandler",
	(...args: unknown[]) => unknown
>;
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

interface GatewayRequest extends IncomingMessage {
	$action?: GuardedAction;
	$params: Record<string, unknown>;
	$ctx: Context<unknown, EtudeMeta>;
	originalUrl?: string;
}

interface Alias {
	action?: string;
	route: unknown;
	_generated?: boolean;
}

/**
 * The HTTP edge: JWT authentication, an early role check from each action's declared
 * permissions, CORS, body limits, rate limits, one error shape, health and OpenAPI, and the
 * web client's static files. Business rules live in the services behind it.
 */
export default function apiService(config: NodeConfig): ServiceSchema {
	const clientIndex = path.join(config.clientDistDir, "index.html");
	let uploads: Server;
	// With S3, signed object URLs point at the bucket itself; only local disk needs us to serve them.
	const serveObjects = config.s3
		? undefined
		: createSignedObjectRequestHandler({
				storage: createObjectStorage(objectStorageConfig(config)),
				urlSigningSecret: objectUrlSigningSecret(config),
				basePath: OBJECT_URL_BASE_PATH
			});
	const serveClient = existsSync(clientIndex);

	return {
		name: "api",
		mixins: [ApiGateway],

		settings: {
			port: config.port,
			ip: config.host,
			rest: "/",
			path: API_PATH,
			use: [],
			logRequest: "debug",
			logResponse: "info",
			cors: {
				origin: config.corsOrigins,
				methods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"],
				// Uploads answer their own CORS (services/media/uploads.ts).
				allowedHeaders: ["Authorization", "Content-Type", "X-Request-ID"],
				exposedHeaders: ["Location", "X-Request-ID", "X-Rate-Limit-Remaining"],
				maxAge: 3600
			},
			rateLimit:
				config.rateLimitPerMinute > 0
					? {
							window: 60_000,
							limit: config.rateLimitPerMinute,
							headers: true,
							key: (req: IncomingMessage) =>
								(req.headers["x-forwarded-for"] as string | undefined)?.split(",")[0]?.trim() ?? req.socket.remoteAddress
						}
					: undefined,
			routes: [
				{
					path: "/",
					autoAliases: true,
					mappingPolicy: "restrict",
					authentication: true,
					authorization: true,
					bodyParsers: {
						json: { strict: true, limit: config.bodyLimit },
						urlencoded: false
					},
					callOptions: { timeout: config.requestTimeoutMs },
					onBeforeCall(_ctx: Context, _route: unknown, req: GatewayRequest) {
						// Ids are fixed here, before any retry, so a repeated create never duplicates.
						if (req.$action?.idempotentCreate && req.$params && req.$params.id === undefined) {
							req.$params.id = randomUUID();
						}
					}
				}
			],
			assets: serveClient ? { folder: config.clientDistDir, options: { index: "index.html", maxAge: "1h" } } : undefined,
			onError(this: ServiceSchema, req: GatewayRequest, res: ServerResponse, error: Error) {
				const { status, body } = toApiError(error);
				if (status >= 500) this.logger.error("Request failed", { url: req.originalUrl ?? req.url, error });
				if (res.headersSent) return;
				res.setHeader("Content-Type", "application/json; charset=utf-8");
				res.writeHead(status);
				res.end(JSON.stringify(body));
			}
		},

		actions: {
			// moleculer-web's alias listing would reveal every internal route.
			listAliases: false,

			// One HTTP request is handled once: a retry here would re-run a half-sent response.
			// Retries happen one level down, on the calls to the services behind the gateway.
			rest: { ...(ApiGateway.actions!.rest as ActionSchema), retryPolicy: { enabled: false } },

			health: {
				rest: "GET /health",
				permissions: ["public"],
				openapi: { summary: "Liveness and readiness of this node, its transporter and databases" },
				async handler(ctx: Context<unknown, EtudeMeta>) {
					const transit = this.broker.transit;
					const transporter = transit
						? { type: config.transporter?.split(":")[0] ?? "nats", connected: Boolean(transit.connected) }
						: { type: "in-process", connected: true };
					const databaseServices: string[] = this.broker.registry
						.getActionList({ onlyAvailable: true, skipInternal: true })
						.map((item: { name: string }) => item.name)
						.filter((name: string) => name.endsWith(".databaseHealth"));
					const probes = await Promise.all(
						databaseServices.map(async (action) => {
							try {
								return [action.split(".")[0], await ctx.call(action, {}, { timeout: 2000, retries: 0 })] as const;
							} catch (error) {
								return [action.split(".")[0], { ok: false, error: (error as Error).message }] as const;
							}
						})
					);
					const databases = Object.fromEntries(probes);
					// Ready once every service of this node has started, not just the gateway itself.
					const started = Boolean(this.broker.started);
					const healthy = started && transporter.connected && probes.every(([, probe]) => (probe as { ok: boolean }).ok);
					if (!healthy) ctx.meta.$statusCode = 503;
					return {
						status: healthy ? "ok" : started ? "degraded" : "starting",
						nodeID: this.broker.nodeID,
						version,
						uptimeS: Math.round(process.uptime()),
						transporter,
						databases
					};
				}
			},

			openapi: {
				rest: "GET /openapi.json",
				permissions: ["public"],
				openapi: { summary: "This document" },
				handler(): unknown {
					const actions: PublishedAction[] = this.broker.registry
						.getActionList({ onlyAvailable: false, skipInternal: true, withEndpoints: false })
						.flatMap((item) => (item.action?.rest ? [item.action as PublishedAction] : []));
					const unique = [...new Map(actions.map((action) => [action.name, action])).values()];
					return buildOpenApiDocument(unique, API_PATH, version);
				}
			}
		},

		events: {
			// Routes follow the registry at once: moleculer-web's half-second debounce would
			// answer 404 for a service that has already joined, or forget one that came and went.
			"$services.changed"() {
				this.regenerateAllAutoAliases.flush();
			}
		},

		methods: {
			authenticate(_ctx: Context, _route: unknown, req: GatewayRequest) {
				const header = req.headers.authorization;
				if (!header) return null;
				const [scheme, token] = header.split(" ");
				if (scheme?.toLowerCase() !== "bearer" || !token) {
					throw new UnauthorizedError("Send the access token as 'Authorization: Bearer <token>'", "ERR_INVALID_TOKEN");
				}
				return verifyAccessToken(token, config.jwtSecret);
			},

			authorize(ctx: Context<unknown, EtudeMeta>, _route: unknown, req: GatewayRequest) {
				const permissions = req.$action?.permissions;
				// Actions that declare no permissions are internal and are never reachable over HTTP.
				if (!permissions) throw new ForbiddenError("This action is not available over HTTP", "ERR_FORBIDDEN");
				const decision = decideByRole(permissions, ctx.meta.user ?? undefined);
				if (decision === "unauthenticated") throw new UnauthorizedError();
				if (decision === "forbidden") throw new ForbiddenError();
			},

			/**
			 * Keeps a route known while its service restarts: moleculer-web drops the aliases of
			 * services that leave, which would turn a brief restart into 404s. A kept alias
			 * answers 503, or waits for the service to return (see aliasHandler).
			 */
			regenerateAutoAliases(route: unknown) {
				const before: Alias[] = this.aliases.filter((alias: Alias) => alias.route === route && alias._generated);
				gatewayMethods.regenerateAutoAliases.call(this, route);
				const present = new Set(this.aliases.filter((alias: Alias) => alias.route === route).map((alias: Alias) => alias.action));
				for (const alias of before) if (!present.has(alias.action)) this.aliases.push(alias);
			},

			async aliasHandler(req: GatewayRequest, res: ServerResponse, alias: Alias) {
				try {
					return await gatewayMethods.aliasHandler.call(this, req, res, alias);
				} catch (error) {
					const serviceName = alias.action?.split(".")[0];
					if (!SERVICE_ABSENT.has((error as { type?: string }).type ?? "") || !serviceName || res.headersSent) throw error;
					try {
						await this.broker.waitForServices(serviceName, config.serviceWaitMs, 100);
					} catch {
						throw error;
					}
					return gatewayMethods.aliasHandler.call(this, req, res, alias);
				}
			},

			/** Uploads and signed object URLs bypass the JSON routes: they stream bytes both ways. */
			async httpHandler(req: GatewayRequest, res: ServerResponse, next?: unknown) {
				const url = req.url ?? "";
				if (url === UPLOAD_PATH || url.startsWith(`${UPLOAD_PATH}/`) || url.startsWith(`${UPLOAD_PATH}?`)) {
					return uploads.handle(req, res);
				}
				if (serveObjects && url.startsWith(`${OBJECT_URL_BASE_PATH}/`)) return serveObjects(req, res);
				return gatewayMethods.httpHandler.call(this, req, res, next);
			},

			/** Client-side routes of the web app are answered with its index page. */
			send404(req: GatewayRequest, res: ServerResponse) {
				const url = req.originalUrl ?? req.url ?? "/";
				const wantsPage = (req.method === "GET" || req.method === "HEAD") && !url.startsWith(API_PATH) && req.headers.accept?.includes("text/html");
				if (serveClient && wantsPage) {
					res.setHeader("Content-Type", "text/html; charset=utf-8");
					res.writeHead(200);
					res.end(readFileSync(clientIndex));
					return;
				}
				gatewayMethods.send404.call(this, req, res);
			}
		},

		created() {
			uploads = createUploadServer(config, this.broker);
		}
	};
}
