export type { CurvePoint, Dashboard, FocusMinutes, MetricTrend, MinutesOnDay, SessionCurves, SessionMetrics } from "../../../contracts/analytics";
