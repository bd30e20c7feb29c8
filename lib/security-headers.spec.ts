import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import {
	API_CONTENT_SECURITY_POLICY,
	appContentSecurityPolicy,
	objectStoreOrigins,
	securityHeaders,
	STRICT_TRANSPORT_SECURITY
} from "./security-headers";

function directives(policy: string): Map<string, string[]> {
	return new Map(
		policy.split(";").map((directive) => {
			const [name, ...sources] = directive.trim().split(/\s+/);
			return [name!, sources];
		})
	);
}

describe("the web app's Content-Security-Policy", () => {
	const policy = directives(appContentSecurityPolicy(["https://s3.example.org"]));

	it("runs only the app's own scripts: no inline script, no eval beyond WebAssembly compilation", () => {
		expect(policy.get("script-src")).toEqual(["'self'", "'wasm-unsafe-eval'"]);
		expect(policy.get("default-src")).toEqual(["'self'"]);
		expect(policy.get("object-src")).toEqual(["'none'"]);
		expect(policy.get("base-uri")).toEqual(["'none'"]);
		for (const [name, sources] of policy) expect(sources, name).not.toContain("'unsafe-eval'");
		for (const name of ["default-src", "script-src", "script-src-elem", "script-src-attr"]) {
			expect(policy.get(name) ?? [], name).not.toContain("'unsafe-inline'");
		}
	});

	it("allows inline <style> elements, which Ionic's scoped components add, and no inline style attributes", () => {
		expect(policy.get("style-src-elem")).toEqual(["'self'", "'unsafe-inline'"]);
		expect(policy.get("style-src-attr")).toEqual(["'none'"]);
	});

	it("cannot be framed", () => {
		expect(policy.get("frame-ancestors")).toEqual(["'none'"]);
	});

	it("lets recordings play and upload from the app's origin, blob: URLs and the object store", () => {
		expect(policy.get("media-src")).toEqual(["'self'", "blob:", "https://s3.example.org"]);
		expect(policy.get("connect-src")).toEqual(["'self'", "https://s3.example.org"]);
		expect(policy.get("img-src")).toEqual(["'self'", "data:", "blob:", "https://s3.example.org"]);
		expect(policy.get("worker-src")).toEqual(["'self'", "blob:"]);
	});
});

describe("security headers", () => {
	it("gives every response nosniff and no referrer, and API responses a policy that allows nothing", () => {
		const headers = securityHeaders({ publicUrl: "http://127.0.0.1:3000" });
		for (const set of [headers.app, headers.api]) {
			expect(set["X-Content-Type-Options"]).toBe("nosniff");
			expect(set["Referrer-Policy"]).toBe("no-referrer");
		}
		expect(headers.api["Content-Security-Policy"]).toBe(API_CONTENT_SECURITY_POLICY);
		expect(directives(API_CONTENT_SECURITY_POLICY).get("frame-ancestors")).toEqual(["'none'"]);
		expect(directives(headers.app["Content-Security-Policy"]!).get("media-src")).toEqual([
			"'self'",
			"blob:",
			"http://127.0.0.1:3000"
		]);
	});

	it("sends HSTS only for requests that came over HTTPS: PUBLIC_URL says so, or one of our proxies does", () => {
		const request = (remoteAddress: string, forwardedProto?: string) => ({
			socket: { remoteAddress } as Socket,
			headers: forwardedProto ? { "x-forwarded-proto": forwardedProto } : {}
		});
		const hsts = { "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY };
		expect(securityHeaders({ publicUrl: "https://etude.example.org" }).transportFor(request("10.0.0.9"))).toEqual(hsts);

		const behindProxy = securityHeaders({ publicUrl: "http://10.0.0.2:3000", isTrustedProxy: (address) => address === "10.0.0.1" });
		expect(behindProxy.transportFor(request("10.0.0.1", "https"))).toEqual(hsts);
		expect(behindProxy.transportFor(request("10.0.0.1", "https, http"))).toEqual(hsts);
		expect(behindProxy.transportFor(request("10.0.0.1", "http"))).toEqual({});
		expect(behindProxy.transportFor(request("10.0.0.1"))).toEqual({});
		// Anyone can write the header; only our own proxies are believed.
		expect(behindProxy.transportFor(request("203.0.113.7", "https"))).toEqual({});
		expect(securityHeaders({ publicUrl: "http://127.0.0.1:3000" }).transportFor(request("127.0.0.1", "https"))).toEqual({});
		expect(behindProxy.app["Strict-Transport-Security"]).toBeUndefined();
	});

	it("names the object store where its presigned URLs point: the endpoint, or the bucket's own host", () => {
		expect(objectStoreOrigins({ endpointUrl: "http://minio:9000/", bucket: "etude", pathStyle: true })).toEqual(["http://minio:9000"]);
		expect(objectStoreOrigins({ endpointUrl: "https://s3.eu-west-1.amazonaws.com", bucket: "etude", pathStyle: false })).toEqual([
			"https://s3.eu-west-1.amazonaws.com",
			"https://etude.s3.eu-west-1.amazonaws.com"
		]);
		const policy = securityHeaders({ publicUrl: "https://etude.example.org", objectStoreOrigins: ["http://minio:9000"] }).app[
			"Content-Security-Policy"
		]!;
		expect(directives(policy).get("connect-src")).toEqual(["'self'", "https://etude.example.org", "http://minio:9000"]);
	});
});
