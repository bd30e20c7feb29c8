const KNOWN_TIMEZONES = new Set([...Intl.supportedValuesOf("timeZone"), "UTC", "Etc/UTC"]);

/** IANA names only ("Europe/Vienna"); offsets like "+01:00" break on daylight-saving changes. */
export function isValidTimezone(name: string): boolean {
	return KNOWN_TIMEZONES.has(name);
}
