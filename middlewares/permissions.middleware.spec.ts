import { ServiceBroker, type Context } from "moleculer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError } from "../lib/errors";
import { PermissionsMiddleware } from "./permissions.middleware";

const notes: Record<string, { ownerId: string }> = { n1: { ownerId: "alice" } };

const broker = new ServiceBroker({ logger: false, middlewares: [PermissionsMiddleware] });
broker.createService({
	name: "notes",
	actions: {
		read: {
			permissions: ["$owner", "$linkedTeacher"],
			needEntity: true,
			handler: (ctx: Context) => ctx.locals.entity
		},
		write: { permissions: ["student"], handler: () => "written" },
		open: { permissions: ["public"], handler: () => "open" },
		internal: { handler: () => "internal" }
	},
	methods: {
		async findEntity(ctx: Context<{ id: string }>) {
			const note = notes[ctx.params.id];
			if (!note) throw new NotFoundError("Note");
			return note;
		},
		isEntityOwner: (ctx: Context<unknown, { user: { id: string } }>) => (ctx.locals.entity as { ownerId: string }).ownerId === ctx.meta.user.id,
		isLinkedTeacher: (ctx: Context<unknown, { user: { id: string } }>) => ctx.meta.user.id === "alices-teacher"
	}
});

const as = (id: string, role: "student" | "teacher") => ({ meta: { user: { id, role, name: id } } });

beforeAll(() => broker.start());
afterAll(() => broker.stop());

describe("PermissionsMiddleware", () => {
	it("lets the owner and a linked teacher read, and nobody else", async () => {
		await expect(broker.call("notes.read", { id: "n1" }, as("alice", "student"))).resolves.toEqual({ ownerId: "alice" });
		await expect(broker.call("notes.read", { id: "n1" }, as("alices-teacher", "teacher"))).resolves.toEqual({ ownerId: "alice" });
		await expect(broker.call("notes.read", { id: "n1" }, as("bob", "student"))).rejects.toMatchObject({ code: 403, type: "ERR_FORBIDDEN" });
	});

	it("answers 404 from the entity loader before judging relations", async () => {
		await expect(broker.call("notes.read", { id: "nope" }, as("alice", "student"))).rejects.toMatchObject({ code: 404 });
	});

	it("asks anonymous callers to sign in and checks roles", async () => {
		await expect(broker.call("notes.write", {})).rejects.toMatchObject({ code: 401, type: "ERR_UNAUTHORIZED" });
		await expect(broker.call("notes.write", {}, as("t", "teacher"))).rejects.toMatchObject({ code: 403 });
		await expect(broker.call("notes.write", {}, as("s", "student"))).resolves.toBe("written");
		await expect(broker.call("notes.open", {})).resolves.toBe("open");
	});

	it("leaves internal service-to-service actions to their callers", async () => {
		await expect(broker.call("notes.internal", {})).resolves.toBe("internal");
	});
});
