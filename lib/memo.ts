/**
 * `compute` remembered for its string arguments, up to `maxEntries` results (then forgotten all
 * at once, and learnt again): for pure calculations asked again and again with the same few
 * arguments, such as a day's bounds in a time zone for every student of a roster.
 */
export function memoizeStrings<Args extends string[], Result>(compute: (...args: Args) => Result, maxEntries = 20_000): (...args: Args) => Result {
	const results = new Map<string, Result>();
	return (...args: Args) => {
		const key = args.join("\u0000");
		let result = results.get(key);
		if (result === undefined) {
			if (results.size >= maxEntries) results.clear();
			result = compute(...args);
			results.set(key, result);
		}
		return result;
	};
}
