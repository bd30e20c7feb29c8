import type { FlagReason } from "../../models/community";

/** services/community/community-moderation.service.ts FLAG_REASONS, in words, in the order the flag form offers them. */
export const FLAG_REASONS: Array<{ reason: FlagReason; label: string }> = [
	{ reason: "spam", label: "Spam" },
	{ reason: "offensive", label: "Offensive" },
	{ reason: "off_topic", label: "Off topic" },
	{ reason: "other", label: "Other" }
];

export function flagReasonLabel(reason: FlagReason): string {
	return FLAG_REASONS.find((option) => option.reason === reason)?.label ?? reason;
}
