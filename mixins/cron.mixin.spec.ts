import { ServiceBroker } from "moleculer";
import { afterEach, describe, expect, it } from "vitest";
import { Cron } from "./cron.mixin";

let broker: ServiceBroker | undefined;
afterEach(async () => {
	await broker?.stop();
	broker = undefined;
});

async function startWith(method: () => Promise<void>, everyMs = 5, runAtStart = true) {
	broker = new ServiceBroker({ logger: false, started: (b) => b.broadcastLocal("$etude.ready") });
	broker.createService({ name: "timed", mixins: [Cron({ tick: { everyMs, method: "tick", runAtStart } })], methods: { tick: method } });
	await broker.start();
}

function until(condition: () => boolean): Promise<void> {
	return new Promise((resolve) => {
		const check = () => (condition() ? resolve() : setImmediate(check));
		check();
	});
}

describe("the cron mixin", () => {
	it("runs the method again and again, never two runs at once", async () => {
		let running = 0;
		let maxRunning = 0;
		let runs = 0;
		await startWith(async () => {
			running += 1;
			maxRunning = Math.max(maxRunning, running);
			await new Promise((resolve) => setTimeout(resolve, 10));
			running -= 1;
			runs += 1;
		}, 1);
		await until(() => runs >= 3);
		expect(maxRunning).toBe(1);
	});

	it("keeps going after a run fails", async () => {
		let runs = 0;
		await startWith(async () => {
			runs += 1;
			throw new Error("boom");
		});
		await until(() => runs >= 2);
		expect(runs).toBeGreaterThanOrEqual(2);
	});

	it("waits for a run in progress when the service stops, then runs no more", async () => {
		let finished = false;
		let started = 0;
		await startWith(async () => {
			started += 1;
			await new Promise((resolve) => setTimeout(resolve, 30));
			finished = true;
		}, 60_000);
		await until(() => started === 1);
		await broker!.stop();
		broker = undefined;
		expect(finished).toBe(true);
		expect(started).toBe(1);
	});

	it("refuses a timer whose method does not exist", async () => {
		broker = new ServiceBroker({ logger: false });
		expect(() => broker!.createService({ name: "broken", mixins: [Cron({ tick: { everyMs: 5, method: "missing" } })] })).toThrow(/missing/);
	});
});
