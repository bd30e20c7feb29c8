import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import { ServiceBroker, type Middleware } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { publishDomainEvent } from "../lib/domain-events";
import { EXPORT_ACTION, PersonalDataMixin } from "./personal-data.mixin";

let broker: ServiceBroker | undefined;
afterEach(async () => {
	await broker?.stop();
	broker = undefined;
});

function holder(name: string, purged: string[]) {
	return {
		name,
		mixins: [PersonalDataMixin()],
		methods: {
			async exportPersonalData(userId: string) {
				return { tables: { [`${name}_rows`]: [{ userId }] } };
			},
			async purgePersonalData({ userId }: { userId: string }) {
				purged.push(`${name}:${userId}`);
			}
		}
	};
}

describe("the personal-data mixin", () => {
	it("answers the export action and hears every purge, in a consumer group per service", async () => {
		const purged: string[] = [];
		broker = new ServiceBroker({
			logger: false,
			middlewares: [ChannelsMiddleware({ adapter: { type: "Fake", options: {} }, context: true } as never) as unknown as Middleware]
		});
		broker.createService(holder("notes", purged));
		broker.createService(holder("photos", purged));
		await broker.start();

		const userId = "6f1c1d0e-8a1b-4c1e-9a6d-0b8b1e2f3a4b";
		expect(await broker.call(`notes.${EXPORT_ACTION}`, { userId })).toEqual({ service: "notes", tables: { notes_rows: [{ userId }] } });
		await publishDomainEvent(broker, "accounts.purge", { userId, role: "student" });
		await new Promise<void>((resolve) => {
			const check = () => (purged.length === 2 ? resolve() : setImmediate(check));
			check();
		});
		expect(purged.sort()).toEqual([`notes:${userId}`, `photos:${userId}`]);
	});

	it("refuses a service that forgets one of the two methods", () => {
		broker = new ServiceBroker({ logger: false });
		expect(() => broker!.createService({ name: "forgetful", mixins: [PersonalDataMixin()], methods: { async exportPersonalData() {} } })).toThrow(
			/purgePersonalData/
		);
	});
});

describe("a service with channels of its own", () => {
	it("keeps the mixin's purge consumer beside them", async () => {
		const purged: string[] = [];
		const heard: string[] = [];
		broker = new ServiceBroker({
			logger: false,
			middlewares: [ChannelsMiddleware({ adapter: { type: "Fake", options: {} }, context: true } as never) as unknown as Middleware]
		});
		broker.createService({ ...holder("notes", purged), channels: { "sessions.deleted": { handler: (ctx: { params: { sessionId: string } }) => void heard.push(ctx.params.sessionId) } } });
		await broker.start();
		const userId = "6f1c1d0e-8a1b-4c1e-9a6d-0b8b1e2f3a4b";
		await publishDomainEvent(broker, "accounts.purge", { userId, role: "student" });
		await publishDomainEvent(broker, "sessions.deleted", { sessionId: "s1", studentId: userId });
		await new Promise<void>((resolve) => {
			const check = () => (purged.length === 1 && heard.length === 1 ? resolve() : setImmediate(check));
			check();
		});
		expect(purged).toEqual([`notes:${userId}`]);
		expect(heard).toEqual(["s1"]);
	});
});
