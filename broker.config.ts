import path from "node:path";
import { z } from "zod";

/**
 * All configuration comes from the environment and is validated here, once, at start.
 * A wrong value stops the process with one line per problem naming the variable.
 */
const KNOWN_SERVICES = ["api", "auth", "practice", "media", "analytics"] as const;
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
	REDIS_URL: optionalString,
	METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
	CHANNEL_MAX_DELIVERIES: z.coerce.number().int().min(0).max(100).default(5),
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
	LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
	CLIENT_DIST_DIR: z.string().default("./client/dist")
});

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
	if (environment.S3_ENDPOINT?.trim() && !(environment.S3_ACCESS_KEY?.trim() && environment.S3_SECRET_KEY?.trim())) {
		problems.push("S3_ACCESS_KEY and S3_SECRET_KEY are required with S3_ENDPOINT");
	}
	return problems;
}

export interface EtudeConfig {
	env: "development" | "production" | "test";
	host: string;
	port: number;
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
	redisUrl?: string;
	metricsPort: number;
	channelMaxDeliveries: number;
	/** Unset: objects on local disk under dataDir/objects. */
	s3?: { endpointUrl: string; region: string; accessKey: string; secretKey: string; bucket: string; pathStyle: boolean };
	publicUrl: string;
	uploadMaxBytes: number;
	uploadQuotaBytes: number;
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
		redisUrl: env.REDIS_URL,
		metricsPort: env.METRICS_PORT,
		channelMaxDeliveries: env.CHANNEL_MAX_DELIVERIES,
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
		logLevel: env.LOG_LEVEL,
		clientDistDir: path.resolve(env.CLIENT_DIST_DIR)
	};
}
