/* global process, fetch, AbortSignal -- Node 20 globals; this file is plain JavaScript run by node itself. */
// The image's HEALTHCHECK: a node with the api group answers /api/health on PORT, any other
// node on HEALTH_PORT (lib/health-server.ts). Plain JavaScript, so a probe costs no compile.
const services = (process.env.SERVICES ?? "").split(",").map((name) => name.trim()).filter(Boolean);
const runsGateway = services.length === 0 || services.includes("api");
const port = runsGateway ? process.env.PORT ?? "3000" : process.env.HEALTH_PORT ?? "3000";
try {
	const response = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2500) });
	process.exit(response.status === 200 ? 0 : 1);
} catch {
	process.exit(1);
}
