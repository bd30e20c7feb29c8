import { describe, expect, inject, it } from "vitest";
import { ApiClient, type RequestOptions } from "../src/data/api-client";
import { createEtudeApi } from "../src/data/api";
import { endpoints } from "../src/data/endpoints";
import { MemoryTokenStore } from "../src/data/token-store";

type HttpMethod = Parameters<ApiClient["request"]>[0];

/** Calls nothing: notes which method and path each typed API function would request. */
class RecordingClient extends ApiClient {
	readonly calls: string[] = [];
	constructor() {
		super({ baseUrl: "", tokens: new MemoryTokenStore() });
	}
	override async request<T>(method: HttpMethod, path: string, _options?: RequestOptions): Promise<T> {
		this.calls.push(`${method} ${path}`);
		return undefined as T;
	}
}

const PATH_PARAMETER = "PARAM";

/** Every endpoint the app calls, as "METHOD /path/{}" with parameters made anonymous. */
async function clientCalls(): Promise<string[]> {
	const client = new RecordingClient();
	const api = createEtudeApi(client);
	for (const group of Object.values(api)) {
		for (const call of Object.values(group) as Array<(...args: unknown[]) => Promise<unknown>>) {
			await call(PATH_PARAMETER, PATH_PARAMETER);
		}
	}
	return client.calls.map((call) => call.replaceAll(PATH_PARAMETER, "{}"));
}

describe("the typed API client and the server's OpenAPI document", () => {
	const baseUrl = inject("baseUrl");

	it("calls only endpoints the server documents", async () => {
		const response = await fetch(`${baseUrl}/api${endpoints.openapi}`);
		expect(response.status).toBe(200);
		const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
		const documented = new Set(
			Object.entries(document.paths).flatMap(([path, operations]) =>
				Object.keys(operations).map(
					(method) => `${method.toUpperCase()} ${path.replace(/^\/api/, "").replace(/\{[^}]+\}/g, "{}")}`
				)
			)
		);

		const calls = await clientCalls();
		expect(calls.length).toBeGreaterThan(20);
		const undocumented = calls.filter((call) => !documented.has(call));
		expect(undocumented).toEqual([]);
	});
});
