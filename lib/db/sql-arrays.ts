/**
 * A PostgreSQL array literal for a replacement (`:ids::uuid[]`): Sequelize would expand a JS array
 * into a comma list. Every element is quoted, so a value holding a comma, a brace or a quote
 * (a time zone name never does, a title might) stays one element.
 */
export function sqlArray(values: ReadonlyArray<string | number>): string {
	return `{${values.map((value) => `"${String(value).replace(/["\\]/g, "\\$&")}"`).join(",")}}`;
}
