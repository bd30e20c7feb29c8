import type { EtudeConfig } from "../broker.config";
import type { GatewayRouteTable } from "./gateway-routes";

/** Configuration once the node has settled what the environment left open. */
export interface NodeConfig extends EtudeConfig {
	jwtSecret: string;
	/** The routes of every group an api node fronts, declared by their schemas; absent elsewhere. */
	gatewayRoutes?: GatewayRouteTable;
}
