import { beforeEach, describe, expect, it } from "vitest";
import { accountOf, createPlatformTokenStore, MemoryTokenStore, tokensOfAccount } from "./token-store";

describe("token store on the web", () => {
	beforeEach(() => localStorage.clear());

	it("keeps the token pair across store instances, as across page loads", async () => {
		await createPlatformTokenStore().write({ token: "access", refreshToken: "refresh" });
		expect(await createPlatformTokenStore().read()).toEqual({ token: "access", refreshToken: "refresh" });
	});

	it("forgets the pair on sign-out", async () => {
		const store = createPlatformTokenStore();
		await store.write({ token: "access", refreshToken: "refresh" });
		await store.clear();
		expect(await store.read()).toBeNull();
	});

	it("treats a damaged stored value as signed out rather than failing", async () => {
		localStorage.setItem("CapacitorStorage.etude.authTokens", "{not json");
		expect(await createPlatformTokenStore().read()).toBeNull();
		localStorage.setItem("CapacitorStorage.etude.authTokens", JSON.stringify({ token: 42 }));
		expect(await createPlatformTokenStore().read()).toBeNull();
	});
});

function withSubject(claims: object): string {
	const part = (value: object) =>
		btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
	return `${part({ alg: "HS256" })}.${part(claims)}.signature`;
}

describe("the account a token pair belongs to", () => {
	it("is the access token's subject", () => {
		expect(accountOf({ token: withSubject({ sub: "ada-id", name: "Zoë Ådahl" }), refreshToken: "r" })).toBe("ada-id");
	});

	it("is unknown for a token that is not a JWT with a subject", () => {
		expect(accountOf(null)).toBeNull();
		expect(accountOf({ token: "opaque", refreshToken: "r" })).toBeNull();
		expect(accountOf({ token: "a.!!!.c", refreshToken: "r" })).toBeNull();
		expect(accountOf({ token: withSubject({ name: "no subject" }), refreshToken: "r" })).toBeNull();
	});

	it("limits a token store to one account: another account's tokens read as none", async () => {
		const store = new MemoryTokenStore({ token: withSubject({ sub: "ada-id" }), refreshToken: "r" });
		expect(await tokensOfAccount(store, "ada-id").read()).toEqual(await store.read());
		expect(await tokensOfAccount(store, "ben-id").read()).toBeNull();
	});
});
