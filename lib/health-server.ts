import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { ServiceBroker } from "moleculer";

/**
 * A node without the gateway still needs a health address for its container and its pod:
 * `GET /api/health` (and `/api/health/ready`, the same here) answers 200 while the broker has
 * started and its transporter is connected, 503 otherwise; `/api/health/live` answers 200 while
 * the process does. Nothing else is served.
 */
export async function startHealthServer(broker: ServiceBroker, host: string, port: number): Promise<Server> {
	const server = createServer((req, res) => {
		if (req.method === "GET" && req.url === "/api/health/live") {
			res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" }).end(JSON.stringify({ status: "alive", nodeID: broker.nodeID }));
			return;
		}
		if (req.method !== "GET" || (req.url !== "/api/health" && req.url !== "/api/health/ready")) {
			res.writeHead(404).end();
			return;
		}
		const connected = broker.transit ? Boolean(broker.transit.connected) : true;
		const healthy = Boolean(broker.started) && connected;
		res.writeHead(healthy ? 200 : 503, { "Content-Type": "application/json; charset=utf-8" });
		res.end(JSON.stringify({ status: healthy ? "ok" : broker.started ? "degraded" : "starting", nodeID: broker.nodeID, transporter: { connected } }));
	});
	server.listen(port, host);
	await once(server, "listening");
	return server;
}
