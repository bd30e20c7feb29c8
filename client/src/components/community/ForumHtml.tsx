import { apiClient } from "../../data/app-services";
import { rebaseMediaAddresses } from "../../util/media-addresses";

/** HTML the server rendered and sanitised (lib/markdown.ts) or escaped (search snippets); nothing else goes in here. */
export function ForumHtml({ html, className = "etude-feedback-html" }: { html: string; className?: string }) {
	return <div className={className} dangerouslySetInnerHTML={{ __html: rebaseMediaAddresses(html, apiClient.baseUrl, globalThis.location.href) }} />;
}
