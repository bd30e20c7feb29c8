import type { ActionHandler, ActionSchema, Context, Middleware } from "moleculer";
import { ValidationFailedError } from "../lib/errors";
import { fieldsWithNulCharacters } from "../lib/text-input";

/**
 * Text a client sends may not hold a NUL character (lib/text-input.ts): refused with 422 in the
 * parameters of every action published over HTTP, after the validator has checked the types and
 * before the action runs. Internal calls carry text our own services made, and are left alone.
 */
export const TextInputMiddleware: Middleware = {
	localAction(handler: ActionHandler, action: ActionSchema) {
		if (!action.rest || !action.params) return handler;
		// The parameters the action declares: what it reads and may store (others it never looks at).
		const declared = Object.keys(action.params).filter((name) => !name.startsWith("$$"));
		return function refuseNulCharacters(ctx: Context) {
			const params = (ctx.params ?? {}) as Record<string, unknown>;
			const fields = fieldsWithNulCharacters(Object.fromEntries(declared.filter((name) => name in params).map((name) => [name, params[name]])));
			if (fields.length > 0) throw new ValidationFailedError("Some fields are missing or not valid", fields);
			return handler(ctx);
		};
	}
};
