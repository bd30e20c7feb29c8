import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { createSecureServer, type Http2SecureServer, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import jwt from "jsonwebtoken";
import { localCertificate } from "./web-push-endpoint";

export interface ReceivedApnsPush {
	token: string;
	headers: IncomingHttpHeaders;
	payload: Record<string, any>;
}

/**
 * A local APNs over HTTP/2 and TLS for tests, checking what Apple checks: the provider token (an
 * ES256 JWT signed with the team's .p8 key, `kid` = key id, `iss` = team id), the topic (bundle
 * id), push type, priority, expiration and collapse id, and a 4 KB payload. A token answered 410
 * is Unregistered, 400 BadDeviceToken (what a sandbox token sent to production gets).
 */
export async function startApnsEndpoint(options: { teamId: string; keyId: string; topic: string }) {
	const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
	const keyFile = path.join(os.tmpdir(), `etude-apns-${process.pid}-${Date.now()}.p8`);
	writeFileSync(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
	const verifyKey: KeyObject = createPublicKey(publicKey.export({ type: "spki", format: "pem" }));
	const tls = localCertificate();
	const received: ReceivedApnsPush[] = [];
	const refused: string[] = [];
	const scripted = new Map<string, { status: number; reason: string }>();
	const server: Http2SecureServer = createSecureServer({ key: tls.key, cert: tls.cert });
	server.on("stream", (stream, headers) => {
		const chunks: Buffer[] = [];
		stream.on("data", (chunk: Buffer) => chunks.push(chunk));
		stream.on("end", () => {
			const answer = (status: number, reason?: string) => {
				stream.respond({ ":status": status, "content-type": "application/json" });
				stream.end(reason ? JSON.stringify({ reason }) : undefined);
			};
			const token = /^\/3\/device\/([0-9a-f]+)$/i.exec(String(headers[":path"]))?.[1];
			try {
				if (headers[":method"] !== "POST" || !token) throw Object.assign(new Error("BadPath"), { status: 404 });
				const bearer = /^bearer (.+)$/i.exec(String(headers.authorization ?? ""))?.[1];
				if (!bearer) throw Object.assign(new Error("MissingProviderToken"), { status: 403 });
				const decoded = jwt.verify(bearer, verifyKey, { algorithms: ["ES256"], complete: true });
				if (decoded.header.kid !== options.keyId || (decoded.payload as { iss?: string }).iss !== options.teamId) throw Object.assign(new Error("InvalidProviderToken"), { status: 403 });
				if (headers["apns-topic"] !== options.topic) throw Object.assign(new Error("DeviceTokenNotForTopic"), { status: 400 });
				if (headers["apns-push-type"] !== "alert") throw Object.assign(new Error("InvalidPushType"), { status: 400 });
				if (!["5", "10"].includes(String(headers["apns-priority"]))) throw Object.assign(new Error("BadPriority"), { status: 400 });
				if (!/^\d+$/.test(String(headers["apns-expiration"]))) throw Object.assign(new Error("BadExpirationDate"), { status: 400 });
				if (Buffer.byteLength(String(headers["apns-collapse-id"] ?? "")) > 64) throw Object.assign(new Error("BadCollapseId"), { status: 400 });
				const body = Buffer.concat(chunks);
				if (body.length > 4096) throw Object.assign(new Error("PayloadTooLarge"), { status: 413 });
				const failure = scripted.get(token);
				if (failure) return answer(failure.status, failure.reason);
				received.push({ token, headers, payload: JSON.parse(body.toString("utf8")) });
				answer(200);
			} catch (error) {
				const status = (error as { status?: number }).status ?? 403;
				refused.push(`${token}: ${(error as Error).message}`);
				answer(status, (error as Error).message);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	return {
		received,
		refused,
		keyFile,
		server: { address: "127.0.0.1", port: (server.address() as AddressInfo).port, ca: tls.cert },
		answer(token: string, status: number, reason: string) {
			scripted.set(token, { status, reason });
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
