import { createDecipheriv, createECDH, createHmac, createPublicKey, randomBytes, randomUUID } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { createServer, type Server } from "node:https";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import jwt from "jsonwebtoken";

/** One push the stand-in accepted, decrypted. */
export interface ReceivedPush {
	subscriptionId: string;
	payload: Record<string, any>;
	ttl: number;
	urgency: string | undefined;
	topic: string | undefined;
	vapid: { publicKey: string; subject: string; audience: string; expiresAt: number };
}

export interface StandInSubscription {
	id: string;
	endpoint: string;
	keys: { p256dh: string; auth: string };
}

interface Keys {
	ecdh: ReturnType<typeof createECDH>;
	auth: Buffer;
}

const hmac = (key: Buffer, data: Buffer) => createHmac("sha256", key).update(data).digest();

/** RFC 8291 (Web Push message encryption) over RFC 8188 aes128gcm, one record: what a browser does. */
export function decryptWebPush(body: Buffer, keys: Keys): string {
	const salt = body.subarray(0, 16);
	const recordSize = body.readUInt32BE(16);
	const idLength = body[20]!;
	const senderPublic = body.subarray(21, 21 + idLength);
	const ciphertext = body.subarray(21 + idLength);
	if (idLength !== 65 || ciphertext.length > recordSize) throw new Error("not one aes128gcm record keyed by a P-256 point");
	const receiverPublic = keys.ecdh.getPublicKey();
	const sharedSecret = keys.ecdh.computeSecret(senderPublic);
	const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), receiverPublic, senderPublic, Buffer.from([1])]);
	const ikm = hmac(hmac(keys.auth, sharedSecret), keyInfo);
	const prk = hmac(salt, ikm);
	const cek = hmac(prk, Buffer.from("Content-Encoding: aes128gcm\0\x01")).subarray(0, 16);
	const nonce = hmac(prk, Buffer.from("Content-Encoding: nonce\0\x01")).subarray(0, 12);
	const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
	decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
	const padded = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
	let end = padded.length - 1;
	while (end >= 0 && padded[end] === 0) end--;
	if (padded[end] !== 2) throw new Error("the last record does not end with the 0x02 delimiter");
	return padded.subarray(0, end).toString("utf8");
}

/** Checks the VAPID Authorization header (RFC 8292) as a push service does; answers its claims. */
function verifyVapid(header: string | undefined, origin: string): ReceivedPush["vapid"] {
	const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
	if (!match) throw new Error(`no vapid Authorization header: ${header}`);
	const [, token, publicKey] = match as unknown as [string, string, string];
	const point = Buffer.from(publicKey, "base64url");
	if (point.length !== 65 || point[0] !== 4) throw new Error("k is not an uncompressed P-256 key");
	const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") }, format: "jwk" });
	const claims = jwt.verify(token, key, { algorithms: ["ES256"], audience: origin }) as { sub: string; aud: string; exp: number };
	if (!/^(mailto:|https:)/.test(claims.sub)) throw new Error(`subject ${claims.sub} is neither mailto: nor https:`);
	if (claims.exp > Date.now() / 1000 + 24 * 3600) throw new Error("the JWT lives longer than 24 hours");
	return { publicKey, subject: claims.sub, audience: claims.aud, expiresAt: claims.exp };
}

async function bodyOf(request: IncomingMessage): Promise<Buffer> {
	const chunks: Buffer[] = [];
	for await (const chunk of request) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks);
}

/**
 * A certificate for 127.0.0.1 made for this run (web-push speaks only https): the sender trusts it
 * through an https.Agent in-process, or NODE_EXTRA_CA_CERTS=caFile in a spawned node.
 */
export function localCertificate(): { key: string; cert: string; caFile: string } {
	const dir = mkdtempSync(path.join(os.tmpdir(), "etude-push-tls-"));
	const [keyFile, certFile] = [path.join(dir, "key.pem"), path.join(dir, "cert.pem")];
	execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
		"-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile], { stdio: "ignore" });
	return { key: readFileSync(keyFile, "utf8"), cert: readFileSync(certFile, "utf8"), caFile: certFile };
}

/**
 * A local push service for tests: hands out subscriptions (a browser's P-256 key pair and auth
 * secret), and for each push checks the VAPID JWT and the headers, decrypts the payload with the
 * subscription's keys and records it. A malformed push is answered 400 and recorded as refused.
 */
export async function startWebPushEndpoint() {
	const subscriptions = new Map<string, Keys>();
	const scripted = new Map<string, number>();
	const received: ReceivedPush[] = [];
	const refused: string[] = [];
	const tls = localCertificate();
	const server: Server = createServer({ key: tls.key, cert: tls.cert }, async (request, response) => {
		const id = /^\/push\/([\w-]+)$/.exec(request.url ?? "")?.[1];
		const keys = id ? subscriptions.get(id) : undefined;
		const body = await bodyOf(request);
		if (!id || !keys || request.method !== "POST") return void response.writeHead(404).end();
		const status = scripted.get(id);
		if (status) return void response.writeHead(status).end();
		try {
			if (request.headers["content-encoding"] !== "aes128gcm") throw new Error(`Content-Encoding ${request.headers["content-encoding"]}`);
			const ttl = Number(request.headers.ttl);
			if (!Number.isInteger(ttl) || ttl < 0) throw new Error(`TTL ${request.headers.ttl}`);
			const urgency = request.headers.urgency as string | undefined;
			if (urgency && !["very-low", "low", "normal", "high"].includes(urgency)) throw new Error(`Urgency ${urgency}`);
			const topic = request.headers.topic as string | undefined;
			if (topic && !/^[A-Za-z0-9_-]{1,32}$/.test(topic)) throw new Error(`Topic ${topic}`);
			const vapid = verifyVapid(request.headers.authorization, origin);
			received.push({ subscriptionId: id, payload: JSON.parse(decryptWebPush(body, keys)), ttl, urgency, topic, vapid });
			response.writeHead(201).end();
		} catch (error) {
			refused.push(`${id}: ${(error as Error).message}`);
			response.writeHead(400).end((error as Error).message);
		}
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
	return {
		received,
		refused,
		/** The certificate to trust (NODE_EXTRA_CA_CERTS), and its text for an https.Agent. */
		caFile: tls.caFile,
		ca: tls.cert,
		/** A browser's subscription to this push service. */
		subscribe(): StandInSubscription {
			const id = randomUUID();
			const ecdh = createECDH("prime256v1");
			ecdh.generateKeys();
			const auth = randomBytes(16);
			subscriptions.set(id, { ecdh, auth });
			return { id, endpoint: `${origin}/push/${id}`, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: auth.toString("base64url") } };
		},
		/** Answer every push to this subscription with `status` (410 gone, 500 …) from now on. */
		answer(subscriptionId: string, status: number) {
			scripted.set(subscriptionId, status);
		},
		close: () => new Promise<void>((resolve) => server.close(() => resolve()))
	};
}
