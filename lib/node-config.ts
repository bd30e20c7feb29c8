import type { EtudeConfig } from "../broker.config";

/** Configuration once the node has settled what the environment left open. */
export interface NodeConfig extends EtudeConfig {
	jwtSecret: string;
}
