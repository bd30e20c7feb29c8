/**
 * A request's `Range: bytes=…` header for an object of `size` bytes (RFC 9110 §14): the one range
 * to send (`start`–`end`, both included), `"unsatisfiable"` when it lies outside the object, or
 * undefined to send the whole object (no header, another unit, several ranges, a malformed one).
 * Safari plays a <video> only from a server that answers ranges; every browser seeks with them.
 */
export function requestedByteRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
	const match = header?.trim().match(/^bytes=(\d*)-(\d*)$/);
	if (!match) return undefined;
	const [, first = "", last = ""] = match;
	if (first === "" && last === "") return undefined;
	if (first === "") {
		// The last N bytes.
		const suffix = Number(last);
		if (suffix === 0 || size === 0) return "unsatisfiable";
		return { start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(first);
	if (start >= size) return "unsatisfiable";
	const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
	return end < start ? undefined : { start, end };
}
