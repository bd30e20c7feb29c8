/**
 * The server renders embedded pictures and clips with addresses on its own route, relative to its origin
 * (`/api/forum-media/…`). In the browser that is the app's origin too; the native app runs from its own
 * origin and reaches the API elsewhere, so those addresses — and only those — are moved to the API's origin.
 */
export function rebaseMediaAddresses(html: string, apiBaseUrl: string, here: string): string {
	const apiOrigin = new URL(apiBaseUrl, here).origin;
	if (apiOrigin === new URL(here).origin) return html;
	return html.replace(/(\s(?:src|poster))="\/api\/forum-media\//g, `$1="${apiOrigin}/api/forum-media/`);
}
