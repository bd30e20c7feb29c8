import type { ServedRoute } from "../../services/api.service";
import type { TestApi } from "./test-node";

/** The gateway's own list of the routes it answers (JSON routes, tus uploads, signed object URLs): what the sweeps walk. */
export function servedRoutes(api: TestApi): ServedRoute[] {
	return (api.node.broker.getLocalService("api") as unknown as { servedRoutes(): ServedRoute[] }).servedRoutes();
}
