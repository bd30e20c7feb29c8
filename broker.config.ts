import path from "node:path";
import { z } from "zod";
import { invalidProxyEntries } from "./lib/client-address";
import { parsePiiKeys, type PiiKey } from "./lib/pii";

/**
 * All configuration comes from the environment and is validated here, once, at start.
 * A wrong value stops the process with one line per problem naming the variable.
 */
export const KNOWN_SERVICES = ["api", "auth", "practice", "media", "analytics", "scheduling", "teaching", "notifications", "community"] as const;
export type ServiceName = (typeof KNOWN_SERVICES)[number];

const optionalString = z
	.string()
	.optional()
	.transform((value) => (value === undefined || value.trim() === "" ? undefined : value.trim()));

const durationSeconds = z.coerce.number().int().positive();

const environmentSchema = z.object({
	NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
	HOST: z.string().default("127.0.0.1"),
	PORT: z.coerce.number().int().min(0).max(65535).default(3000),
	HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(0),
	NAMESPACE: z.string().default("etude"),
	NODE_ID: optionalString,
	TRANSPORTER: optionalString.refine((value) => value === undefined || value.startsWith("nats://"), {
		message: "must be a nats:// URL, or unset for the in-process transporter"
	}),
	SERVICES: optionalString,
	DATABASE_URL: optionalString.refine(
		(value) => value === undefined || /^postgres(ql)?:\/\//.test(value),
		{ message: "must be a postgres:// URL, or unset for the embedded database" }
	),
	DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
	DATA_DIR: z.string().default("./data"),
	JWT_SECRET: optionalString.refine((value) => value === undefined || value.length >= 32, {
		message: "must be at least 32 characters"
	}),
	ACCESS_TOKEN_TTL_SECONDS: durationSeconds.default(600),
	REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().positive().default(30),
	REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
	SERVICE_WAIT_MS: z.coerce.number().int().min(0).default(10_000),
	BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, "must look like 100kb or 1mb").default("1mb"),
	CORS_ORIGINS: z.string().default("*"),
	RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(600),
	TRUSTED_PROXIES: z.string().default(""),
	REDIS_URL: optionalString,
	METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
	CHANNEL_MAX_DELIVERIES: z.coerce.number().int().min(0).max(100).default(5),
	JETSTREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
	JETSTREAM_MAX_AGE_DAYS: z.coerce.number().int().min(1).max(365).default(14),
	PII_KEYS: optionalString,
	REMINDER_LEASE_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
	ACCOUNT_PURGE_AFTER_DAYS: z.coerce.number().int().min(1).max(365).default(7),
	VAPID_PUBLIC_KEY: optionalString,
	VAPID_PRIVATE_KEY: optionalString,
	VAPID_SUBJECT: optionalString.refine((value) => value === undefined || isReachableVapidSubject(value), {
		message: "must be a mailto: address or an https: URL that push services can reach (not localhost)"
	}),
	DEVICE_TOKEN_STALE_DAYS: z.coerce.number().int().min(1).max(365).default(60),
	NOTIFICATIONS_KEPT_DAYS: z.coerce.number().int().min(2).max(3650).default(90),
	FCM_SERVICE_ACCOUNT_FILE: optionalString,
	APNS_KEY_FILE: optionalString,
	APNS_KEY_ID: optionalString,
	APNS_TEAM_ID: optionalString,
	APNS_TOPIC: optionalString,
	APNS_PRODUCTION: z.enum(["true", "false"]).default("true"),
	S3_ENDPOINT: optionalString.refine((value) => value === undefined || /^https?:\/\//.test(value), {
		message: "must be an http(s):// URL, or unset to keep objects on local disk"
	}),
	S3_REGION: z.string().default("us-east-1"),
	S3_ACCESS_KEY: optionalString,
	S3_SECRET_KEY: optionalString,
	S3_BUCKET: z.string().default("etude"),
	S3_PATH_STYLE: z.enum(["true", "false"]).default("true"),
	PUBLIC_URL: optionalString.refine((value) => value === undefined || /^https?:\/\//.test(value), {
		message: "must be the http(s):// address clients use to reach the api node"
	}),
	UPLOAD_MAX_BYTES: z.coerce.number().int().positive().default(2 * 1024 ** 3),
	UPLOAD_QUOTA_BYTES: z.coerce.number().int().positive().default(20 * 1024 ** 3),
	FFMPEG_PATH: z.string().trim().min(1).default("ffmpeg"),
	FFPROBE_PATH: z.string().trim().min(1).default("ffprobe"),
	LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
	CLIENT_DIST_DIR: z.string().default("./client/dist")
});

/**
 * Push services identify the sender by the VAPID subject; Apple rejects a localhost one
 * (BadJwtToken), so only a real mailto: address or https: URL is accepted.
 */
export function isReachableVapidSubject(subject: string): boolean {
	let url: URL;
	try {
		url = new URL(subject);
	} catch {
		return false;
	}
	if (url.protocol === "mailto:") {
		const domain = url.pathname.split("@")[1]?.toLowerCase();
		return Boolean(domain && domain.includes(".") && !domain.endsWith("localhost"));
	}
	return url.protocol === "https:" && url.hostname !== "localhost" && !url.hostname.endsWith(".localhost") && url.hostname.includes(".");
}

function listOf(value: string): string[] {
	return value
		.split(",")
		.map((entry) => entry.trim())
		.filter(Boolean);
}

function unknownServices(value: string | undefined): string[] {
	if (!value) return [];
	return value
		.split(",")
		.map((name) => name.trim())
		.filter((name) => !(KNOWN_SERVICES as readonly string[]).includes(name));
}

/** Problems that span variables, checked even when single values are already wrong. */
function crossFieldProblems(environment: NodeJS.ProcessEnv): string[] {
	const problems = unknownServices(environment.SERVICES).map(
		(name) => `SERVICES names an unknown service "${name}" (known: ${KNOWN_SERVICES.join(", ")})`
	);
	if (environment.NODE_ENV === "production" && !environment.JWT_SECRET?.trim()) {
		problems.push("JWT_SECRET is required in production");
	}
	const piiKeys = environment.PII_KEYS?.trim();
	if (piiKeys) {
		try {
			parsePiiKeys(piiKeys);
		} catch (error) {
			problems.push(`PII_KEYS ${(error as Error).message}`);
		}
	} else if (environment.NODE_ENV === "production" && environment.TRANSPORTER?.trim()) {
		// Nodes of a cluster share no DATA_DIR to generate keys into: each would make its own.
		problems.push("PII_KEYS is required in production on a cluster (TRANSPORTER set): id:base64key, newest first (openssl rand -base64 32)");
	}
	const badProxies = invalidProxyEntries(listOf(environment.TRUSTED_PROXIES ?? ""));
	if (badProxies.length > 0) problems.push(`TRUSTED_PROXIES has entries that are neither an IP address nor a CIDR block: ${badProxies.join(", ")}`);
	if (environment.S3_ENDPOINT?.trim() && !(environment.S3_ACCESS_KEY?.trim() && environment.S3_SECRET_KEY?.trim())) {
		problems.push("S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT");
	}
	const vapid = [environment.VAPID_PUBLIC_KEY, environment.VAPID_PRIVATE_KEY, environment.VAPID_SUBJECT].map((value) => Boolean(value?.trim()));
	if (vapid.some(Boolean) && !vapid.every(Boolean)) problems.push("VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together");
	// One embedded process keeps a generated key pair in DATA_DIR; distributed nodes share no folder, so they are told the keys.
	const distributed = Boolean(environment.TRANSPORTER?.trim());
	if (environment.NODE_ENV === "production" && distributed && !vapid.every(Boolean) && servicesNamed(environment.SERVICES).includes("notifications")) {
		problems.push("VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT are required for the notifications group in production over a TRANSPORTER");
	}
	// A notice forgotten while its event could still be redelivered would be made again, unread.
	const keptDays = Number(environment.NOTIFICATIONS_KEPT_DAYS ?? 90);
	const streamDays = Number(environment.JETSTREAM_MAX_AGE_DAYS ?? 14);
	if (keptDays <= streamDays) problems.push(`NOTIFICATIONS_KEPT_DAYS (${keptDays}) must be more than JETSTREAM_MAX_AGE_DAYS (${streamDays})`);
	const apns = [environment.APNS_KEY_FILE, environment.APNS_KEY_ID, environment.APNS_TEAM_ID, environment.APNS_TOPIC].map((value) => Boolean(value?.trim()));
	if (apns.some(Boolean) && !apns.every(Boolean)) problems.push("APNS_KEY_FILE, APNS_KEY_ID, APNS_TEAM_ID and APNS_TOPIC go together");
	return problems;
}

function servicesNamed(value: string | undefined): string[] {
	return value?.trim() ? listOf(value) : [...KNOWN_SERVICES];
}

export interface EtudeConfig {
	env: "development" | "production" | "test";
	host: string;
	port: number;
	/** Where a node without the api group answers /api/health; 0 = nowhere. */
	healthPort: number;
	namespace: string;
	nodeId?: string;
	transporter?: string;
	services: ServiceName[];
	databaseUrl?: string;
	databasePoolMax: number;
	dataDir: string;
	jwtSecret?: string;
	accessTokenTtlSeconds: number;
	refreshTokenTtlDays: number;
	requestTimeoutMs: number;
	/** How long the gateway holds a request for a service that is (re)starting before answering 503. */
	serviceWaitMs: number;
	bodyLimit: string;
	corsOrigins: string[] | "*";
	rateLimitPerMinute: number;
	/** Proxies (addresses or CIDR blocks) whose X-Forwarded-For is believed; nobody else's is. */
	trustedProxies: string[];
	redisUrl?: string;
	metricsPort: number;
	channelMaxDeliveries: number;
	/** Copies of each JetStream stream the channels create (3 on a 3-node NATS cluster). */
	jetstreamReplicas: number;
	/** How long a channel's stream keeps a message, acknowledged or not (dead letters included). */
	jetstreamMaxAgeDays: number;
	/** How long a reminder worker owns the reminders it claimed before another node may take them over. */
	reminderLeaseMs: number;
	/** Personal-data encryption keys, newest first; unset: a node generates them into DATA_DIR (lib/pii-keys.ts) before its services start. */
	piiKeys?: PiiKey[];
	/** How long a deleted account can still be restored by signing in, before everything about it is purged. */
	accountPurgeAfterDays: number;
	/** Web Push sender identity; unset (allowed in one embedded process): lib/node.ts generates a key pair into dataDir. */
	vapid?: { publicKey: string; privateKey: string; subject: string };
	/** App installations not seen for this long stop getting pushes and are removed. */
	deviceTokenStaleDays: number;
	/** Notifications older than this leave the inbox, read or not. */
	notificationsKeptDays: number;
	/** Android (and any FCM) pushes: a service account JSON file; unset = off. */
	fcmServiceAccountFile?: string;
	/** iOS pushes straight to APNs with a .p8 token key; unset = off. */
	apns?: { keyFile: string; keyId: string; teamId: string; topic: string; production: boolean };
	/** Unset: objects on local disk under dataDir/objects. */
	s3?: { endpointUrl: string; region: string; accessKey: string; secretKey: string; bucket: string; pathStyle: boolean };
	publicUrl: string;
	uploadMaxBytes: number;
	uploadQuotaBytes: number;
	/** ffmpeg and ffprobe: a bare name is found on the PATH. */
	ffmpeg: { ffmpeg: string; ffprobe: string };
	logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
	clientDistDir: string;
}

export class ConfigurationError extends Error {
	constructor(readonly problems: string[]) {
		super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
		this.name = "ConfigurationError";
	}
}

export function loadConfig(environment: NodeJS.ProcessEnv = process.env): EtudeConfig {
	const parsed = environmentSchema.safeParse(environment);
	const problems = [
		...(parsed.error?.issues ?? []).map((issue) => `${issue.path.join(".") || "environment"} ${issue.message}`),
		...crossFieldProblems(environment)
	];
	if (!parsed.success || problems.length > 0) throw new ConfigurationError(problems);
	const env = parsed.data;
	return {
		env: env.NODE_ENV,
		host: env.HOST,
		port: env.PORT,
		healthPort: env.HEALTH_PORT,
		namespace: env.NAMESPACE,
		nodeId: env.NODE_ID,
		transporter: env.TRANSPORTER,
		services: env.SERVICES
			? (env.SERVICES.split(",").map((s) => s.trim()) as ServiceName[])
			: [...KNOWN_SERVICES],
		databaseUrl: env.DATABASE_URL,
		databasePoolMax: env.DATABASE_POOL_MAX,
		dataDir: path.resolve(env.DATA_DIR),
		jwtSecret: env.JWT_SECRET,
		accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL_SECONDS,
		refreshTokenTtlDays: env.REFRESH_TOKEN_TTL_DAYS,
		requestTimeoutMs: env.REQUEST_TIMEOUT_MS,
		serviceWaitMs: env.SERVICE_WAIT_MS,
		bodyLimit: env.BODY_LIMIT,
		corsOrigins: env.CORS_ORIGINS === "*" ? "*" : env.CORS_ORIGINS.split(",").map((s) => s.trim()),
		rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
		trustedProxies: listOf(env.TRUSTED_PROXIES),
		redisUrl: env.REDIS_URL,
		metricsPort: env.METRICS_PORT,
		channelMaxDeliveries: env.CHANNEL_MAX_DELIVERIES,
		jetstreamReplicas: env.JETSTREAM_REPLICAS,
		jetstreamMaxAgeDays: env.JETSTREAM_MAX_AGE_DAYS,
		reminderLeaseMs: env.REMINDER_LEASE_MS,
		accountPurgeAfterDays: env.ACCOUNT_PURGE_AFTER_DAYS,
		piiKeys: env.PII_KEYS ? parsePiiKeys(env.PII_KEYS) : undefined,
		vapid:
			env.VAPID_PUBLIC_KEY && env.VAPID_PRIVATE_KEY && env.VAPID_SUBJECT
				? { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: env.VAPID_SUBJECT }
				: undefined,
		deviceTokenStaleDays: env.DEVICE_TOKEN_STALE_DAYS,
		notificationsKeptDays: env.NOTIFICATIONS_KEPT_DAYS,
		fcmServiceAccountFile: env.FCM_SERVICE_ACCOUNT_FILE ? path.resolve(env.FCM_SERVICE_ACCOUNT_FILE) : undefined,
		apns:
			env.APNS_KEY_FILE && env.APNS_KEY_ID && env.APNS_TEAM_ID && env.APNS_TOPIC
				? { keyFile: path.resolve(env.APNS_KEY_FILE), keyId: env.APNS_KEY_ID, teamId: env.APNS_TEAM_ID, topic: env.APNS_TOPIC, production: env.APNS_PRODUCTION === "true" }
				: undefined,
		s3: env.S3_ENDPOINT
			? {
					endpointUrl: env.S3_ENDPOINT,
					region: env.S3_REGION,
					accessKey: env.S3_ACCESS_KEY ?? "",
					secretKey: env.S3_SECRET_KEY ?? "",
					bucket: env.S3_BUCKET,
					pathStyle: env.S3_PATH_STYLE === "true"
				}
			: undefined,
		publicUrl: env.PUBLIC_URL ?? `http://${env.HOST === "0.0.0.0" ? "localhost" : env.HOST}:${env.PORT}`,
		uploadMaxBytes: env.UPLOAD_MAX_BYTES,
		uploadQuotaBytes: env.UPLOAD_QUOTA_BYTES,
		ffmpeg: { ffmpeg: env.FFMPEG_PATH, ffprobe: env.FFPROBE_PATH },
		logLevel: env.LOG_LEVEL,
		clientDistDir: path.resolve(env.CLIENT_DIST_DIR)
	};
}
