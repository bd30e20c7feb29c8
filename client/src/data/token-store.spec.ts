import { beforeEach, describe, expect, it } from "vitest";
import { createPlatformTokenStore } from "./token-store";

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
