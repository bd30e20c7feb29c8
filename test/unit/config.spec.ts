import { describe, expect, it } from "vitest";
import { ConfigurationError, loadConfig } from "../../broker.config";

describe("loadConfig", () => {
	it("defaults to the embedded, single-process setup", () => {
		const config = loadConfig({});
		expect(config).toMatchObject({ port: 3000, transporter: undefined, databaseUrl: undefined, services: ["api", "auth", "practice", "media", "analytics"] });
	});

	it("reads a distributed node's settings", () => {
		const config = loadConfig({ TRANSPORTER: "nats://nats:4222", SERVICES: "api, auth", DATABASE_URL: "postgres://db/etude", PORT: "8080" });
		expect(config).toMatchObject({ transporter: "nats://nats:4222", services: ["api", "auth"], databaseUrl: "postgres://db/etude", port: 8080 });
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
});
