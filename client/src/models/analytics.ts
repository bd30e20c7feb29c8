export interface CurvePoint {
	tMs: number;
	value: number;
}

export interface SessionCurves {
	loudness: CurvePoint[];
	pitch: CurvePoint[];
	deviation: CurvePoint[];
}

export interface MinutesOnDay {
	/** YYYY-MM-DD in the student's timezone */
	date: string;
	minutes: number;
}

export interface FocusMinutes {
	focus: string;
	minutes: number;
}

export interface Dashboard {
	minutesPerDay: MinutesOnDay[];
	streakDays: number;
	trends: Record<string, unknown>;
	byFocus: FocusMinutes[];
}
