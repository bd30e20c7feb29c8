import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Errors, type ActionSchema, type Context, type ServiceSchema } from "moleculer";
import type { Server } from "@tus/server";
import ApiGateway from "moleculer-web";
import type { AuthenticatedUser, EtudeMeta } from "../lib/actor";
import { RETRY_AFTER_SECONDS, toApiError } from "../lib/api-errors";
import { createClientAddressResolver } from "../lib/client-address";
import { decideByRole } from "../lib/authorization";
import { absentGroups, aliasesOf } from "../lib/gateway-routes";
import { BodyNotAnObjectError, ForbiddenError, UnauthorizedError } from "../lib/errors";
import type { NodeConfig } from "../lib/node-config";
import { buildOpenApiDocument, type PublishedAction } from "../lib/openapi";
import { objectStoreOrigins, securityHeaders, setHeaders } from "../lib/security-headers";
import { createStaticAssets } from "../lib/static-assets";
import { createTokenEpochCheck, type TokenEpochCheck } from "../lib/token-epochs";
import type { TokenState } from "./auth.service";
import { verifyAccessToken } from "../lib/tokens";
import { createObjectStorage, createSignedObjectRequestHandler, SIGNED_OBJECT_METHODS } from "../lib/storage";
import type { GuardedAction } from "../middlewares/permissions.middleware";
import { OBJECT_URL_BASE_PATH, objectStorageConfig, objectUrlSigningSecret } from "../mixins/storage.mixin";
import { UPLOAD_PATH } from "./media/paths";
import { createUploadServer } from "./media/uploads";

const API_PATH = "/api";
const SERVICE_ABSENT = new Set(["SERVICE_UNAVAILABLE", "SERVICE_NOT_AVAILABLE", "SERVICE_NOT_FOUND"]);
// moleculer-web's own implementations, wrapped below.
const gatewayMethods = ApiGateway.methods as Record<
	"aliasHandler" | "httpHandler",
	(...args: unknown[]) => unknown
>;
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

interface GatewayRequest extends IncomingMessage {
	$action?: GuardedAction;
	$params: Record<string, unknown>;
	$ctx: Context<unknown, EtudeMeta>;
	originalUrl?: string;
}

/** The URL is the path itself or below it (a sub-path, a query). */
function isUnder(url: string, basePath: string): boolean {
	return url === basePath || url.startsWith(`${basePath}/`) || url.startsWith(`${basePath}?`);
}

interface Alias {
	action?: string;
}

/** One route the gateway answers; `:name` marks a path parameter, `*key` the rest of the path. */
export interface ServedRoute {
	method: string;
	path: string;
}

/**
 * The HTTP edge: JWT authentication, an early role check from each action's declared
 * permissions, CORS, body limits, rate limits, one error shape, health and OpenAPI, and the
 * web client's static files. Business rules live in the services behind it.
 */
export default function apiService(config: NodeConfig): ServiceSchema {
	let uploads: Server;
	// With S3, signed object URLs point at the bucket itself; only local disk needs us to serve them.
	const serveObjects = config.s3
		? undefined
		: createSignedObjectRequestHandler({
				storage: createObjectStorage(objectStorageConfig(config)),
				urlSigningSecret: objectUrlSigningSecret(config),
				basePath: OBJECT_URL_BASE_PATH
			});
	const serveClient = createStaticAssets({ root: config.clientDistDir });
	const clientAddresses = createClientAddressResolver(config.trustedProxies);
	const headers = securityHeaders({
		publicUrl: config.publicUrl,
		objectStoreOrigins: config.s3 && objectStoreOrigins(config.s3),
		isTrustedProxy: clientAddresses.isTrustedProxy
	});

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
							key: (req: IncomingMessage) => clientAddresses.clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"])
						}
					: undefined,
			routes: [
				{
					path: "/",
					autoAliases: true,
					mappingPolicy: "restrict",
					// Every route of the groups behind the gateway exists from the start, present or
					// not (lib/gateway-routes.ts); its service's absence answers 503, never 404.
					aliases: aliasesOf(config.gatewayRoutes ?? []),
					authentication: true,
					authorization: true,
					bodyParsers: {
						json: { strict: true, limit: config.bodyLimit },
						urlencoded: false
					},
					// The strict parser refuses a bare string, number or null but lets an array through,
					// which moleculer-web would merge into the parameters as if no body had been sent.
					use: [
						(req: GatewayRequest & { body?: unknown }, _res: ServerResponse, next: (error?: Error) => void) =>
							next(Array.isArray(req.body) ? new BodyNotAnObjectError() : undefined)
					],
					callOptions: { timeout: config.requestTimeoutMs },
					onBeforeCall(ctx: Context<unknown, EtudeMeta>, _route: unknown, req: GatewayRequest) {
						// Ids are fixed here, before any retry, so a repeated create never duplicates.
						if (req.$action?.idempotentCreate && req.$params && req.$params.id === undefined) {
							req.$params.id = randomUUID();
						}
						if (typeof req.headers.range === "string") ctx.meta.range = req.headers.range;
					}
				}
			],
			onError(this: ServiceSchema, req: GatewayRequest, res: ServerResponse, error: Error) {
				const { status, body, retryAfterSeconds } = toApiError(error);
				if (status === 503) this.logger.warn(`Refused for now (${body.code}): ${req.originalUrl ?? req.url}`);
				else if (status >= 500) this.logger.error("Request failed", { url: req.originalUrl ?? req.url, error });
				if (res.headersSent) return;
				res.setHeader("Content-Type", "application/json; charset=utf-8");
				if (retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(retryAfterSeconds));
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
				openapi: { summary: "Health of this node, its transporter and the databases of the services it reaches" },
				async handler(ctx: Context<unknown, EtudeMeta>) {
					const health = await this.nodeHealth(ctx);
					if (health.status !== "ok") ctx.meta.$statusCode = 503;
					return health;
				}
			},

			live: {
				rest: "GET /health/live",
				permissions: ["public"],
				openapi: { summary: "Liveness: this process answers (it checks nothing behind it, so an outage elsewhere restarts nothing)" },
				handler() {
					return { status: "alive", nodeID: this.broker.nodeID };
				}
			},

			ready: {
				rest: "GET /health/ready",
				permissions: ["public"],
				openapi: { summary: "Readiness: this node is healthy and every group behind the gateway has joined" },
				async handler(ctx: Context<unknown, EtudeMeta>) {
					const health = await this.nodeHealth(ctx);
					const available = new Set(
						(this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }) as unknown as Array<{ fullName: string }>).map((service) => service.fullName)
					);
					const waitingFor = absentGroups(config.gatewayRoutes ?? [], available);
					const ready = health.status === "ok" && waitingFor.length === 0;
					if (!ready) {
						ctx.meta.$statusCode = 503;
						ctx.meta.$responseHeaders = { "Retry-After": String(RETRY_AFTER_SECONDS[503]) };
					}
					return { status: ready ? "ready" : "waiting", node: health.status, waitingFor };
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
			"auth.tokens_changed"(ctx: Context<{ userId: string } & TokenState>) {
				(this.tokenEpochs as TokenEpochCheck).changed(ctx.params.userId, { epoch: ctx.params.epoch, status: ctx.params.status });
			},

			// Routes follow the registry at once: moleculer-web's half-second debounce would
			// answer 404 for a service that has already joined, or forget one that came and went.
			"$services.changed"() {
				this.regenerateAllAutoAliases.flush();
			}
		},

		methods: {
			/** This node, its transporter and the databases of the services it can reach. */
			async nodeHealth(ctx: Context<unknown, EtudeMeta>) {
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
				return {
					status: healthy ? "ok" : started ? "degraded" : "starting",
					nodeID: this.broker.nodeID,
					version,
					uptimeS: Math.round(process.uptime()),
					transporter,
					databases
				};
			},

			/**
			 * Every route this gateway answers: the JSON routes (declared and its own) and the byte streams
			 * beside them, tus uploads and signed object URLs. The authorization sweep walks this list.
			 */
			servedRoutes(): ServedRoute[] {
				const json = (this.aliases as Array<{ method: string; fullPath: string }>).map((alias) => ({ method: alias.method, path: alias.fullPath }));
				// tus answers creation and CORS preflight on the endpoint itself, everything else on an upload's address.
				const tus = Object.keys(uploads.handlers).map((method) => ({ method, path: method === "POST" || method === "OPTIONS" ? UPLOAD_PATH : `${UPLOAD_PATH}/:id` }));
				const objects = serveObjects ? SIGNED_OBJECT_METHODS.map((method) => ({ method, path: `${OBJECT_URL_BASE_PATH}/*key` })) : [];
				// Declared routes are also auto-aliased once their service has joined: each is listed once.
				return [...new Map([...json, ...tus, ...objects].map((route) => [`${route.method} ${route.path}`, route])).values()];
			},

			authenticate(_ctx: Context, _route: unknown, req: GatewayRequest): Promise<AuthenticatedUser | null> {
				return this.authenticateBearer(req.headers.authorization);
			},

			/** Signature, expiry and claims, then the user's token epoch: a token of an ended session is refused at once. */
			async authenticateBearer(header: string | null | undefined): Promise<AuthenticatedUser | null> {
				if (!header) return null;
				const [scheme, token] = header.split(" ");
				if (scheme?.toLowerCase() !== "bearer" || !token) {
					throw new UnauthorizedError("Send the access token as 'Authorization: Bearer <token>'", "ERR_INVALID_TOKEN");
				}
				const user = verifyAccessToken(token, config.jwtSecret);
				await (this.tokenEpochs as TokenEpochCheck).assertCurrent(user);
				return user;
			},

			authorize(ctx: Context<unknown, EtudeMeta>, _route: unknown, req: GatewayRequest) {
				const permissions = req.$action?.permissions;
				// Actions that declare no permissions are internal and are never reachable over HTTP.
				if (!permissions) throw new ForbiddenError("This action is not available over HTTP", "ERR_FORBIDDEN");
				const decision = decideByRole(permissions, ctx.meta.user ?? undefined);
				if (decision === "unauthenticated") throw new UnauthorizedError();
				if (decision === "forbidden") throw new ForbiddenError();
			},

			async aliasHandler(req: GatewayRequest, res: ServerResponse, alias: Alias) {
				try {
					return await gatewayMethods.aliasHandler.call(this, req, res, alias);
				} catch (error) {
					const serviceName = alias.action?.split(".")[0];
					// moleculer-web's own 503, for a declared route whose service is away, carries no type.
					const absent = SERVICE_ABSENT.has((error as { type?: string }).type ?? "") || error instanceof ApiGateway.Errors.ServiceUnavailableError;
					if (!absent || !serviceName || res.headersSent) throw error;
					try {
						await this.broker.waitForServices(serviceName, config.serviceWaitMs, 100);
					} catch {
						throw new Errors.ServiceNotAvailableError({ action: alias.action });
					}
					return gatewayMethods.aliasHandler.call(this, req, res, alias);
				}
			},

			/**
			 * Uploads and signed object URLs bypass the JSON routes: they stream bytes both ways. Everything outside
			 * /api is the web app's build (lib/static-assets.ts). Every response carries the security headers.
			 */
			async httpHandler(req: GatewayRequest, res: ServerResponse, next?: unknown) {
				const url = req.url ?? "";
				const forApi = isUnder(url, API_PATH);
				setHeaders(res, forApi || isUnder(url, OBJECT_URL_BASE_PATH) ? headers.api : headers.app);
				setHeaders(res, headers.transportFor(req));
				if (isUnder(url, UPLOAD_PATH)) return uploads.handle(req, res);
				if (serveObjects && url.startsWith(`${OBJECT_URL_BASE_PATH}/`)) return serveObjects(req, res);
				if (!forApi && (await serveClient(req, res))) return;
				return gatewayMethods.httpHandler.call(this, req, res, next);
			}
		},

		created() {
			this.tokenEpochs = createTokenEpochCheck(this.broker);
			uploads = createUploadServer(config, this.broker, (header) => this.authenticateBearer(header));
		}
	};
}
