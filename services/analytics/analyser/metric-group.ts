/** Why a metric is `null`: a stable code the service can store and the client can explain. */
export type MissingReason =
	| "too_short"
	| "silent"
	| "too_few_onsets"
	| "irregular_onsets"
	| "unvoiced"
	| "no_sustained_notes"
	| "no_vibrato"
	| "no_sensor_data"
	| "too_few_sensor_samples"
	| "sensor_rate_too_low";

/** Values of a set of metrics; each `null` value has its reason in `missing`. */
export interface MetricGroup<Name extends string> {
	values: Record<Name, number | null>;
	missing: Partial<Record<Name, MissingReason>>;
}

export function unavailableGroup<Name extends string>(names: readonly Name[], reason: MissingReason): MetricGroup<Name> {
	const values = {} as Record<Name, number | null>;
	const missing: Partial<Record<Name, MissingReason>> = {};
	for (const name of names) {
		values[name] = null;
		missing[name] = reason;
	}
	return { values, missing };
}

export function availableGroup<Name extends string>(values: Record<Name, number>): MetricGroup<Name> {
	return { values, missing: {} };
}
