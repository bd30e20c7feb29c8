import type { ServiceSchema } from "moleculer";
import { describe, expect, it } from "vitest";
import { loadConfig, type ServiceName } from "../../broker.config";
import { groupSchemas } from "../../lib/node";
import { EXPORT_ACTION, PERSONAL_DATA_SERVICES } from "../../mixins/personal-data.mixin";

function mixesInPersonalData(schema: ServiceSchema): boolean {
	return (schema.mixins ?? []).some((mixin) => Boolean((mixin as ServiceSchema).actions?.[EXPORT_ACTION]) || mixesInPersonalData(mixin as ServiceSchema));
}

describe("the personal-data services", () => {
	it("are exactly the services that mix in the personal-data mixin, so an export and a purge reach all of them", async () => {
		const config = { ...loadConfig({ JWT_SECRET: "a-secret-long-enough-for-the-schemas-to-build" }), jwtSecret: "a-secret-long-enough-for-the-schemas-to-build" };
		const schemas = Object.values(await groupSchemas(config, config.services as ServiceName[])).flat();
		const holders = schemas.filter(mixesInPersonalData).map((schema) => schema.name);
		expect([...holders].sort()).toEqual([...PERSONAL_DATA_SERVICES].sort());
	});
});
