// @vitest-environment node
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiClient } from "./api-client";
import { ApiError } from "./api-error";
import { createEtudeApi } from "./api";
import { MemoryTokenStore } from "./token-store";

/** A small real HTTP server speaking the auth part of the contract: tokens expire, refresh tokens rotate. */
class AuthServer {
	validAccessTokens = new Set<string>();
	validRefreshTokens = new Set<string>();
	refreshCalls = 0;
	/** Calls other than refresh, by the access token they carried. */
	readonly callsByToken = new Map<string, number>();
	private counter = 0;
	private server!: Server;
	baseUrl = "";

	/** Access tokens are JWT-shaped, with the account as subject, as the real server issues them. */
	issue(accountId = "u1") {
		this.counter += 1;
		const pair = { token: jwtShaped(accountId, this.counter), refreshToken: `refresh-${this.counter}` };
		this.validAccessTokens.add(pair.token);
		this.validRefreshTokens.add(pair.refreshToken);
		return pair;
	}

	expireAccessTokens() {
		this.validAccessTokens.clear();
	}

	async start() {
		this.server = createServer(async (request, response) => {
			const send = (status: number, body?: unknown) => {
				response.writeHead(status, { "Content-Type": "application/json" });
				response.end(body === undefined ? undefined : JSON.stringify(body));
			};
			const body = await readJson(request);
			if (request.url === "/api/auth/refresh") {
				this.refreshCalls += 1;
				const refreshToken = (body as { refreshToken?: string }).refreshToken ?? "";
				if (!this.validRefreshTokens.delete(refreshToken)) {
					return send(401, { code: "ERR_INVALID_REFRESH_TOKEN", message: "Refresh token revoked" });
				}
				return send(200, { ...this.issue(), user: { id: "u1" } });
			}
			if (request.url === "/api/broken") {
				response.writeHead(502, { "Content-Type": "text/html" });
				return response.end("<html>Bad gateway</html>");
			}
			const token = request.headers.authorization?.replace(/^Bearer /, "") ?? "";
			this.callsByToken.set(token, (this.callsByToken.get(token) ?? 0) + 1);
			if (!this.validAccessTokens.has(token)) {
				return send(401, { code: "ERR_TOKEN_EXPIRED", message: "Token expired" });
			}
			if (request.url === "/api/me") return send(200, { id: "u1", name: "Ada", token });
			if (request.url === "/api/me/delete") return send(204);
			send(404, { code: "ERR_NOT_FOUND", message: "No such route" });
		});
		await new Promise<void>((done) => this.server.listen(0, "127.0.0.1", done));
		this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
	}

	stop() {
		return new Promise((done) => this.server.close(done));
	}
}

function jwtShaped(accountId: string, serial: number): string {
	const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
	return `${part({ alg: "HS256", typ: "JWT" })}.${part({ sub: accountId, name: "Zoë", jti: serial })}.signature`;
}

async function readJson(request: IncomingMessage): Promise<unknown> {
	let text = "";
	for await (const chunk of request) text += chunk;
	return text ? JSON.parse(text) : {};
}

describe("ApiClient against a real HTTP server", () => {
	const server = new AuthServer();
	beforeAll(() => server.start());
	afterAll(() => server.stop());
	beforeEach(() => {
		server.refreshCalls = 0;
	});

	function clientWith(tokens: MemoryTokenStore, onSignedOut = vi.fn()) {
		return { client: new ApiClient({ baseUrl: server.baseUrl, tokens, onSignedOut }), onSignedOut };
	}

	it("sends the access token as a bearer token", async () => {
		const tokens = new MemoryTokenStore(server.issue());
		const { client } = clientWith(tokens);
		const me = await client.request<{ token: string }>("GET", "/me");
		expect(me.token).toBe((await tokens.read())!.token);
	});

	it("refreshes an expired token once, stores the rotated pair and retries the call", async () => {
		const tokens = new MemoryTokenStore(server.issue());
		const before = (await tokens.read())!;
		server.expireAccessTokens();
		const { client } = clientWith(tokens);

		const me = await client.request<{ name: string }>("GET", "/me");

		expect(me.name).toBe("Ada");
		expect(server.refreshCalls).toBe(1);
		const after = (await tokens.read())!;
		expect(after.token).not.toBe(before.token);
		expect(after.refreshToken).not.toBe(before.refreshToken);
		expect(server.validRefreshTokens.has(before.refreshToken)).toBe(false);
	});

	it("shares one refresh between calls that fail together, so the rotated token is never spent twice", async () => {
		const tokens = new MemoryTokenStore(server.issue());
		server.expireAccessTokens();
		const { client, onSignedOut } = clientWith(tokens);

		const answers = await Promise.all([1, 2, 3, 4].map(() => client.request<{ name: string }>("GET", "/me")));

		expect(answers.map((answer) => answer.name)).toEqual(["Ada", "Ada", "Ada", "Ada"]);
		expect(server.refreshCalls).toBe(1);
		expect(onSignedOut).not.toHaveBeenCalled();
	});

	it("signs the student out when the refresh token is refused", async () => {
		const tokens = new MemoryTokenStore({ token: "stale", refreshToken: "revoked" });
		const { client, onSignedOut } = clientWith(tokens);

		const failure = client.request("GET", "/me");

		await expect(failure).rejects.toMatchObject({ code: "ERR_INVALID_REFRESH_TOKEN", status: 401 });
		expect(await tokens.read()).toBeNull();
		expect(onSignedOut).toHaveBeenCalledTimes(1);
	});

	it("retries only once when the fresh token is refused too", async () => {
		const tokens = new MemoryTokenStore(server.issue());
		server.expireAccessTokens();
		const client = new ApiClient({
			baseUrl: server.baseUrl,
			tokens: {
				read: () => tokens.read(),
				clear: () => tokens.clear(),
				// Expire each new token as soon as it is stored, so the retry is refused as well.
				write: async (pair) => {
					await tokens.write(pair);
					server.expireAccessTokens();
				}
			}
		});

		await expect(client.request("GET", "/me")).rejects.toMatchObject({ code: "ERR_TOKEN_EXPIRED" });
		expect(server.refreshCalls).toBe(1);
	});

	it("refuses an authenticated call without stored tokens, before any request", async () => {
		const { client } = clientWith(new MemoryTokenStore());
		await expect(client.request("GET", "/me")).rejects.toMatchObject({ code: "ERR_SIGNED_OUT" });
		expect(server.refreshCalls).toBe(0);
	});

	it("sends as the given account only while that account's tokens are stored", async () => {
		const adasTokens = server.issue("ada");
		const { client } = clientWith(new MemoryTokenStore(adasTokens));

		await expect(client.request("GET", "/me", { asAccount: "ada" })).resolves.toMatchObject({ name: "Ada" });
		await expect(client.request("GET", "/me", { asAccount: "ben" })).rejects.toMatchObject({
			code: "ERR_SIGNED_OUT",
			status: 401
		});
		expect(server.callsByToken.get(adasTokens.token)).toBe(1);
	});

	it("does not go on as another account that signed in while the first one's token was being refreshed", async () => {
		const adasStale = server.issue("ada");
		server.expireAccessTokens();
		const bensTokens = server.issue("ben");
		let reads = 0;
		const client = new ApiClient({
			baseUrl: server.baseUrl,
			tokens: {
				// Ben signs in on the tablet right after Ada's request read her (expired) token.
				read: async () => (++reads === 1 ? adasStale : bensTokens),
				write: async () => {},
				clear: async () => {}
			}
		});

		await expect(client.request("GET", "/me", { asAccount: "ada" })).rejects.toMatchObject({ code: "ERR_SIGNED_OUT" });
		expect(server.callsByToken.get(bensTokens.token)).toBeUndefined();
	});

	it("returns nothing for 204 answers", async () => {
		const { client } = clientWith(new MemoryTokenStore(server.issue()));
		await expect(client.request("DELETE", "/me/delete")).resolves.toBeUndefined();
	});

	it("turns a non-JSON server failure into a transient ERR_UNEXPECTED_RESPONSE", async () => {
		const { client } = clientWith(new MemoryTokenStore(server.issue()));
		const error = await client.request("GET", "/broken").catch((caught: unknown) => caught);
		expect(error).toBeInstanceOf(ApiError);
		expect(error).toMatchObject({ code: "ERR_UNEXPECTED_RESPONSE", status: 502, isTransient: true });
	});

	it("reports an unreachable server as ERR_NETWORK with status 0", async () => {
		const closed = createServer();
		await new Promise<void>((done) => closed.listen(0, "127.0.0.1", done));
		const port = (closed.address() as AddressInfo).port;
		await new Promise((done) => closed.close(done));
		const client = new ApiClient({ baseUrl: `http://127.0.0.1:${port}/api`, tokens: new MemoryTokenStore() });

		const api = createEtudeApi(client);
		await expect(api.auth.login({ email: "a@b.c", password: "x" })).rejects.toMatchObject({
			code: "ERR_NETWORK",
			status: 0,
			isTransient: true
		});
	});
});
