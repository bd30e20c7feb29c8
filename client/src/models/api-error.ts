export interface FieldProblem {
	field: string;
	message: string;
}

/** The body every 4xx answer carries. */
export interface ApiErrorBody {
	code: string;
	message: string;
	fields?: FieldProblem[];
}
