import { describe, expect, it } from "vitest";
import { ConfigurationError, isReachableVapidSubject, loadConfig } from "../../broker.config";

describe("loadConfig", () => {
	it("defaults to the embedded, single-process setup", () => {
		const config = loadConfig({});
		expect(config).toMatchObject({ port: 3000, transporter: undefined, databaseUrl: undefined, services: ["api", "auth", "practice", "media", "analytics", "scheduling", "teaching", "notifications", "community"] });
	});

	it("reads a distributed node's settings", () => {
		const config = loadConfig({ TRANSPORTER: "nats://nats:4222", SERVICES: "api, auth", DATABASE_URL: "postgres://db/etude", PORT: "8080" });
		expect(config).toMatchObject({ transporter: "nats://nats:4222", services: ["api", "auth"], databaseUrl: "postgres://db/etude", port: 8080 });
	});

	it("finds ffmpeg and ffprobe on the PATH unless told where they are", () => {
		expect(loadConfig({}).ffmpeg).toEqual({ ffmpeg: "ffmpeg", ffprobe: "ffprobe" });
		expect(loadConfig({ FFMPEG_PATH: "/opt/ffmpeg/bin/ffmpeg", FFPROBE_PATH: "/opt/ffmpeg/bin/ffprobe" }).ffmpeg).toEqual({
			ffmpeg: "/opt/ffmpeg/bin/ffmpeg",
			ffprobe: "/opt/ffmpeg/bin/ffprobe"
		});
		expect(() => loadConfig({ FFMPEG_PATH: " " })).toThrow(/FFMPEG_PATH/);
	});

	it("keeps a deleted account restorable for ACCOUNT_PURGE_AFTER_DAYS, 7 unless told, at least one", () => {
		expect(loadConfig({}).accountPurgeAfterDays).toBe(7);
		expect(loadConfig({ ACCOUNT_PURGE_AFTER_DAYS: "30" }).accountPurgeAfterDays).toBe(30);
		for (const wrong of ["0", "-1", "a week", "1.5"]) expect(() => loadConfig({ ACCOUNT_PURGE_AFTER_DAYS: wrong })).toThrow(/ACCOUNT_PURGE_AFTER_DAYS/);
	});

	it("reads PII_KEYS newest first, refuses a malformed one, and asks for it on a production cluster", () => {
		const key = Buffer.alloc(32, 1).toString("base64");
		expect(loadConfig({ PII_KEYS: `new:${key}, old:${key}` }).piiKeys?.map((entry) => entry.id)).toEqual(["new", "old"]);
		expect(loadConfig({}).piiKeys).toBeUndefined();
		expect(() => loadConfig({ PII_KEYS: "replace-me" })).toThrow(/PII_KEYS/);
		expect(() => loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40), TRANSPORTER: "nats://nats:4222" })).toThrow(/PII_KEYS is required/);
		expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40) }).piiKeys).toBeUndefined();
	});

	it("names every wrong variable in one error", () => {
		let error: unknown;
		try {
			loadConfig({ PORT: "eighty", TRANSPORTER: "kafka://x", SERVICES: "api,billing", NODE_ENV: "production" });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ConfigurationError);
		const problems = (error as ConfigurationError).problems.join("\n");
		expect(problems).toMatch(/PORT/);
		expect(problems).toMatch(/TRANSPORTER must be a nats:\/\/ URL/);
		expect(problems).toMatch(/SERVICES names an unknown service "billing"/);
		expect(problems).toMatch(/JWT_SECRET is required in production/);
	});

	it("keeps notifications 90 days, and never for less time than a channel keeps the events that made them", () => {
		expect(loadConfig({}).notificationsKeptDays).toBe(90);
		expect(loadConfig({ NOTIFICATIONS_KEPT_DAYS: "30", JETSTREAM_MAX_AGE_DAYS: "14" }).notificationsKeptDays).toBe(30);
		expect(() => loadConfig({ NOTIFICATIONS_KEPT_DAYS: "14" })).toThrow(/NOTIFICATIONS_KEPT_DAYS \(14\) must be more than JETSTREAM_MAX_AGE_DAYS \(14\)/);
		expect(() => loadConfig({ NOTIFICATIONS_KEPT_DAYS: "60", JETSTREAM_MAX_AGE_DAYS: "90" })).toThrow(/must be more than JETSTREAM_MAX_AGE_DAYS/);
	});

	it("takes Web Push keys from the environment only whole, with a subject push services can reach", () => {
		const keys = { VAPID_PUBLIC_KEY: "public", VAPID_PRIVATE_KEY: "private" };
		expect(loadConfig({ ...keys, VAPID_SUBJECT: "mailto:admin@school.org" }).vapid).toEqual({ publicKey: "public", privateKey: "private", subject: "mailto:admin@school.org" });
		expect(() => loadConfig({ VAPID_PUBLIC_KEY: "public" })).toThrow(/VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT go together/);
		expect(() => loadConfig({ ...keys, VAPID_SUBJECT: "mailto:me@localhost" })).toThrow(/VAPID_SUBJECT must be a mailto: address or an https: URL/);
		const production = { NODE_ENV: "production", JWT_SECRET: "x".repeat(40), TRANSPORTER: "nats://nats:4222", PII_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}` };
		expect(() => loadConfig({ ...production, SERVICES: "notifications" })).toThrow(/required for the notifications group in production over a TRANSPORTER/);
		expect(loadConfig({ ...production, SERVICES: "auth" }).vapid).toBeUndefined();
		// The embedded default in production (one process, the container's smoke test) keeps generated keys in DATA_DIR.
		expect(loadConfig({ NODE_ENV: "production", JWT_SECRET: "x".repeat(40) }).vapid).toBeUndefined();
	});

	it("accepts as VAPID subject only mailto: and https: addresses outside localhost", () => {
		for (const subject of ["mailto:admin@school.org", "https://etude.school.org", "https://etude.school.org/contact"]) expect(isReachableVapidSubject(subject), subject).toBe(true);
		for (const subject of ["mailto:admin@localhost", "https://localhost", "https://app.localhost", "http://school.org", "admin@school.org", "mailto:admin", "ftp://school.org"]) {
			expect(isReachableVapidSubject(subject), subject).toBe(false);
		}
	});
});
