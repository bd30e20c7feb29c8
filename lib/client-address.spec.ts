import { describe, expect, it } from "vitest";
import { createClientAddressResolver, invalidProxyEntries } from "./client-address";

describe("the caller's address", () => {
	it("ignores X-Forwarded-For from anyone who is not a trusted proxy", () => {
		const resolver = createClientAddressResolver([]);
		expect(resolver.clientAddress("203.0.113.7", "1.2.3.4")).toBe("203.0.113.7");
		expect(resolver.clientAddress("::ffff:203.0.113.7", "1.2.3.4")).toBe("::ffff:203.0.113.7");
	});

	it("takes the last untrusted hop when the connection comes from a trusted proxy", () => {
		const resolver = createClientAddressResolver(["10.0.0.0/8", "127.0.0.1"]);
		expect(resolver.clientAddress("10.1.2.3", "198.51.100.9")).toBe("198.51.100.9");
		// A client forging the header only adds hops to the left of what our proxy saw.
		expect(resolver.clientAddress("10.1.2.3", "1.2.3.4, 198.51.100.9, 10.9.9.9")).toBe("198.51.100.9");
		expect(resolver.clientAddress("::ffff:127.0.0.1", ["198.51.100.9"])).toBe("198.51.100.9");
		expect(resolver.clientAddress("10.1.2.3", "not-an-address")).toBe("10.1.2.3");
	});

	it("knows its proxies, IPv6 included", () => {
		const resolver = createClientAddressResolver(["fd00::/8"]);
		expect(resolver.isTrustedProxy("fd12::1")).toBe(true);
		expect(resolver.isTrustedProxy("2001:db8::1")).toBe(false);
	});

	it("names entries that are not addresses or CIDR blocks", () => {
		expect(invalidProxyEntries(["10.0.0.0/8", "::1", "10.0.0.0/33", "proxy.local", "1.2.3.4/x"])).toEqual(["10.0.0.0/33", "proxy.local", "1.2.3.4/x"]);
	});
});
