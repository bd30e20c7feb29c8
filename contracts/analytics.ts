/**
 * Recording analysis and the practice dashboard as the analytics API answers them
 * (services/analytics/analytics.service.ts). Wire shapes only: times are ISO 8601 strings.
 */

export interface CurvePoint {
	/** ms since the recording started */
	tMs: number;
	/** null where the analyser had nothing to measure, such as silence for pitch */
	value: number | null;
}

/** One curve per series of services/analytics/metric-catalog.ts CURVE_SERIES. */
export interface SessionCurves {
	/** dBFS */
	loudness: CurvePoint[];
	/** Hz */
	pitch: CurvePoint[];
	/** cents from the nearest equal-tempered note */
	deviation: CurvePoint[];
}

/** GET /api/sessions/:id/metrics once a recording is analysed (404 ERR_METRICS_NOT_READY before). */
export interface SessionMetrics {
	videoId: string;
	analyserVersion: string;
	recordedAt: string;
	durationMs: number;
	summary: Record<string, number | null>;
	/** Why a summary figure is missing, by its key */
	missing: Record<string, string>;
	curves: SessionCurves;
}

export interface MinutesOnDay {
	/** YYYY-MM-DD in the student's timezone */
	date: string;
	minutes: number;
}

export interface FocusMinutes {
	focus: string;
	minutes: number;
	sessions: number;
}

/** A metric's mean over the last 7 days beside the 7 before; null where there was no recording. */
export interface MetricTrend {
	last7: number | null;
	previous7: number | null;
	delta: number | null;
}

/** GET /api/analytics/dash: a student's practice over [from, to], days in `timezone`. */
export interface Dashboard {
	/** YYYY-MM-DD, included */
	from: string;
	/** YYYY-MM-DD, included */
	to: string;
	timezone: string;
	minutesPerDay: MinutesOnDay[];
	streakDays: number;
	byFocus: FocusMinutes[];
	trends: Record<string, MetricTrend>;
	/** Sessions in the range. */
	sessions: number;
}
