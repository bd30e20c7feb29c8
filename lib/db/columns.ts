import type { Model, ModelStatic } from "sequelize";

/** `alias.column AS "attribute", …` for a model's attributes, for hand-written statements. */
export function columnsOf(model: ModelStatic<Model>, alias: string, only?: readonly string[]): string {
	return Object.entries(model.getAttributes())
		.filter(([name]) => !only || only.includes(name))
		.map(([name, attribute]) => `${alias}.${attribute.field ?? name} AS "${name}"`)
		.join(", ");
}
