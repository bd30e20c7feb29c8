import path from "node:path";
import webPush from "web-push";
import { readOrCreateFile } from "./data-dir-file";

export interface VapidDetails {
	publicKey: string;
	privateKey: string;
	subject: string;
}

/** Outside production nobody has registered a sender address; push services accept this form. */
const LOCAL_SUBJECT = "mailto:notifications@etude.example.org";

/**
 * The embedded default's Web Push identity: a key pair generated once into the data folder, so
 * browsers' subscriptions (bound to the public key) survive restarts and nodes sharing the
 * folder agree. Production takes VAPID_* from the environment (broker.config.ts).
 */
export async function localVapidKeys(dataDir: string): Promise<VapidDetails> {
	const generated = () => {
		const keys = webPush.generateVAPIDKeys();
		return JSON.stringify({ publicKey: keys.publicKey, privateKey: keys.privateKey, subject: LOCAL_SUBJECT } satisfies VapidDetails);
	};
	return JSON.parse(await readOrCreateFile(path.join(dataDir, "vapid-keys.json"), generated)) as VapidDetails;
}
