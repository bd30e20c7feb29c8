import { BlockList, isIP } from "node:net";

/**
 * Who is calling, for rate limits and logs. `X-Forwarded-For` is written by whoever sends the
 * request, so it counts only when the connection comes from one of our own proxies
 * (TRUSTED_PROXIES); then the address is the last one in the chain that is not a trusted proxy.
 */
export function createClientAddressResolver(trustedProxies: readonly string[]) {
	const trusted = new BlockList();
	for (const entry of trustedProxies) {
		const [address = "", prefix] = entry.split("/");
		const family = isIP(address) === 6 ? "ipv6" : "ipv4";
		if (prefix === undefined) trusted.addAddress(address, family);
		else trusted.addSubnet(address, Number(prefix), family);
	}
	const isTrusted = (address: string) => {
		const plain = address.replace(/^::ffff:/, "");
		const family = isIP(plain);
		return family !== 0 && trusted.check(plain, family === 6 ? "ipv6" : "ipv4");
	};

	return {
		isTrustedProxy: (socketAddress: string | undefined) => Boolean(socketAddress && isTrusted(socketAddress)),
		clientAddress(socketAddress: string | undefined, forwardedFor: string | string[] | undefined): string {
			const peer = socketAddress ?? "unknown";
			if (!forwardedFor || !isTrusted(peer)) return peer;
			const chain = (Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor)
				.split(",")
				.map((hop) => hop.trim())
				.filter((hop) => isIP(hop.replace(/^::ffff:/, "")) !== 0);
			for (let index = chain.length - 1; index >= 0; index--) if (!isTrusted(chain[index]!)) return chain[index]!;
			return chain[0] ?? peer;
		}
	};
}

/** Entries of TRUSTED_PROXIES that are neither an IP address nor a CIDR block. */
export function invalidProxyEntries(entries: readonly string[]): string[] {
	return entries.filter((entry) => {
		const [address = "", prefix, extra] = entry.split("/");
		const family = isIP(address);
		if (family === 0 || extra !== undefined) return true;
		if (prefix === undefined) return false;
		const bits = Number(prefix);
		return !/^\d+$/.test(prefix) || bits > (family === 6 ? 128 : 32);
	});
}
