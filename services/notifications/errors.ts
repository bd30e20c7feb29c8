import { EtudeClientError, NotFoundError } from "../../lib/errors";

export class NotificationNotFoundError extends NotFoundError {
	constructor() {
		super("Notification", "ERR_NOTIFICATION_NOT_FOUND");
	}
}

/** Lesson cancellations and security notices reach everyone; their switches do not exist. */
export class CategoryLockedError extends EtudeClientError {
	constructor(category: string) {
		super(`${category} notifications cannot be switched off`, 422, "ERR_CATEGORY_LOCKED", { category });
	}
}

/** iOS hands out an APNs token (64 hex digits), Android an FCM token: one posted as the other would never arrive. */
export class DeviceTokenFormatError extends EtudeClientError {
	constructor(platform: string) {
		super(`This is not a ${platform === "ios" ? "APNs device token (64 hex digits)" : "FCM registration token"}`, 422, "ERR_DEVICE_TOKEN_FORMAT", { platform });
	}
}

/** The browser's subscription keys are not a P-256 public key and a 16-byte secret (RFC 8291). */
export class SubscriptionKeysError extends EtudeClientError {
	constructor() {
		super("The subscription's keys are not a Web Push key pair", 422, "ERR_WEB_PUSH_KEYS");
	}
}
