import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Response headers that limit what a page, or a response mistaken for one, may do: the web app's
 * Content-Security-Policy, a closed policy for API responses, no MIME sniffing, no referrer, no framing, and
 * HSTS when clients reach us over HTTPS.
 */

export interface SecurityHeaderOptions {
	/** How clients reach the api node (PUBLIC_URL): signed local object URLs point here. */
	publicUrl: string;
	/** With S3 storage: the origins its presigned URLs use (recording segments, thumbnails). */
	objectStoreOrigins?: string[];
	/** Whether a connection comes from one of our own proxies (TRUSTED_PROXIES), whose X-Forwarded-Proto counts. */
	isTrustedProxy?: (socketAddress: string | undefined) => boolean;
}

export interface SecurityHeaders {
	/** For the web app's files: its documents and its service worker run under this policy. */
	app: Record<string, string>;
	/** For API responses (JSON, playlists, uploads) and object downloads: nothing in them may run or be framed. */
	api: Record<string, string>;
	/** Strict-Transport-Security for a request that reached us over HTTPS, none for one that did not. */
	transportFor(req: Pick<IncomingMessage, "headers" | "socket">): Record<string, string>;
}

export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";

/** With S3, presigned URLs name the endpoint, or the bucket as a subdomain of it without path-style access. */
export function objectStoreOrigins(s3: { endpointUrl: string; bucket: string; pathStyle: boolean }): string[] {
	const endpoint = new URL(s3.endpointUrl);
	return s3.pathStyle ? [endpoint.origin] : [endpoint.origin, `${endpoint.protocol}//${s3.bucket}.${endpoint.host}`];
}

/**
 * The web app's policy. No inline script anywhere; 'wasm-unsafe-eval' lets sql.js (the offline queue on the
 * web) compile its WebAssembly, and nothing else may evaluate code. Workers: the service worker ('self') and
 * hls.js's transmuxer, which runs from a blob: URL. Media and images come from the app's own origin
 * (signed local object URLs, HLS playlists), the object store, and blob: (MediaSource, recorded takes).
 *
 * Styles: Ionic's scoped components (ion-input, ion-select …) add their CSS as <style> elements in the document
 * head; its shadow components use constructed style sheets, which a policy does not govern. That is the only
 * inline style the app makes (the E2E suite fails on any violation), so inline <style> elements are allowed and
 * style attributes are not. `style-src` carries the same allowance for browsers without the -elem/-attr split.
 */
export function appContentSecurityPolicy(mediaOrigins: readonly string[]): string {
	const media = mediaOrigins.join(" ");
	const directives: Array<[string, string]> = [
		["default-src", "'self'"],
		["script-src", "'self' 'wasm-unsafe-eval'"],
		["style-src", "'self' 'unsafe-inline'"],
		["style-src-elem", "'self' 'unsafe-inline'"],
		["style-src-attr", "'none'"],
		["img-src", `'self' data: blob: ${media}`],
		["media-src", `'self' blob: ${media}`],
		["connect-src", `'self' ${media}`],
		["worker-src", "'self' blob:"],
		["font-src", "'self'"],
		["manifest-src", "'self'"],
		["object-src", "'none'"],
		["base-uri", "'none'"],
		["form-action", "'self'"],
		["frame-ancestors", "'none'"]
	];
	return directives.map(([name, sources]) => `${name} ${sources.trim()}`).join("; ");
}

/** Nothing in an API response is meant to run, load anything or be shown in a frame. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(options: SecurityHeaderOptions): SecurityHeaders {
	const publicOrigin = new URL(options.publicUrl).origin;
	const mediaOrigins = [...new Set([publicOrigin, ...(options.objectStoreOrigins ?? [])])];
	const common: Record<string, string> = { "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer" };
	// TLS ends at a proxy in front of the node, so the socket itself is plain HTTP: HTTPS is known from PUBLIC_URL,
	// or from X-Forwarded-Proto set by one of our own proxies (anyone else could write that header).
	const publicOverHttps = publicOrigin.startsWith("https:");
	const hsts = { "Strict-Transport-Security": STRICT_TRANSPORT_SECURITY };
	return {
		app: { ...common, "Content-Security-Policy": appContentSecurityPolicy(mediaOrigins) },
		api: { ...common, "Content-Security-Policy": API_CONTENT_SECURITY_POLICY },
		transportFor(req) {
			if (publicOverHttps) return hsts;
			if (!options.isTrustedProxy?.(req.socket.remoteAddress)) return {};
			const forwarded = req.headers["x-forwarded-proto"];
			const protocol = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(",")[0]?.trim().toLowerCase();
			return protocol === "https" ? hsts : {};
		}
	};
}

export function setHeaders(res: ServerResponse, headers: Record<string, string>): void {
	for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
}
