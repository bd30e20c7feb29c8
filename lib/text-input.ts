import type { FieldProblem } from "./errors";

/**
 * Where a client's input holds a NUL character (U+0000), as field paths (`drawing.shapes[0].kind`).
 * PostgreSQL cannot store NUL in text, and the database layer's quoting writes it as the two
 * characters `\0` instead: such text would be saved as something other than what was sent.
 */
export function fieldsWithNulCharacters(value: unknown, field = ""): FieldProblem[] {
	if (typeof value === "string") return value.includes("\u0000") ? [{ field, message: "This field must not contain a NUL character." }] : [];
	if (Array.isArray(value)) return value.flatMap((item, index) => fieldsWithNulCharacters(item, `${field}[${index}]`));
	if (value !== null && typeof value === "object") {
		return Object.entries(value).flatMap(([key, item]) => [
			...(key.includes("\u0000") ? [{ field: [field, key].filter(Boolean).join("."), message: "This field name must not contain a NUL character." }] : []),
			...fieldsWithNulCharacters(item, [field, key].filter(Boolean).join("."))
		]);
	}
	return [];
}
