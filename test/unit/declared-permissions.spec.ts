import type { ActionSchema, ServiceSchema } from "moleculer";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../broker.config";
import analyticsService from "../../services/analytics/analytics.service";
import apiService from "../../services/api.service";
import authService from "../../services/auth.service";
import mediaService from "../../services/media/media.service";
import sessionsService from "../../services/practice/sessions.service";
import tagsService from "../../services/practice/tags.service";
import schedulingRemindersService from "../../services/scheduling/scheduling-reminders.service";
import schedulingService from "../../services/scheduling/scheduling.service";
import assignmentsService from "../../services/teaching/assignments.service";
import feedbackService from "../../services/teaching/feedback.service";
import goalsService from "../../services/teaching/goals.service";
import rosterService from "../../services/teaching/roster.service";
import communityModerationService from "../../services/community/community-moderation.service";
import communityRanksService from "../../services/community/community-ranks.service";
import communityService from "../../services/community/community.service";

const config = { ...loadConfig({}), jwtSecret: "x".repeat(40) };
const schemas: ServiceSchema[] = [
	apiService(config),
	authService(config),
	sessionsService(),
	tagsService(),
	mediaService(config),
	analyticsService(config),
	schedulingService(config),
	schedulingRemindersService(config),
	feedbackService(),
	goalsService(),
	assignmentsService(),
	rosterService(),
	communityService(),
	communityModerationService(),
	// A worker: nothing over HTTP.
	communityRanksService()
];

function publishedActions(schema: ServiceSchema): Array<[string, ActionSchema]> {
	return Object.entries(schema.actions ?? {}).flatMap(([name, action]) =>
		typeof action === "object" && action.rest ? [[`${schema.name}.${name}`, action as ActionSchema]] : []
	);
}

/** The authorization matrix, readable from the action definitions themselves. */
describe("declared permissions", () => {
	it("every action reachable over HTTP declares who may call it", () => {
		for (const schema of schemas) {
			for (const [name, action] of publishedActions(schema)) {
				expect(action.permissions, name).toBeInstanceOf(Array);
				expect(action.permissions.length, name).toBeGreaterThan(0);
			}
		}
	});

	it("grants exactly these rights", () => {
		const matrix = Object.fromEntries(schemas.flatMap((schema) => publishedActions(schema).map(([name, action]) => [name, action.permissions.join(" ")])));
		expect(matrix).toEqual({
			"api.health": "public",
			"api.live": "public",
			"api.ready": "public",
			"api.openapi": "public",
			"auth.register": "public",
			"auth.login": "public",
			"auth.refresh": "public",
			"auth.logout": "public",
			"auth.me": "authenticated",
			"auth.updateMe": "authenticated",
			"auth.deleteMe": "authenticated",
			"auth.createInvite": "teacher",
			"auth.listInvites": "teacher",
			"auth.redeemInvite": "student",
			"auth.listTeachers": "student",
			"auth.unlinkStudent": "teacher",
			"sessions.create": "student",
			"sessions.list": "student teacher",
			"sessions.get": "$owner $linkedTeacher",
			"sessions.update": "$owner",
			"sessions.remove": "$owner",
			"sessions.attachTag": "$owner",
			"sessions.detachTag": "$owner",
			"tags.list": "student teacher",
			"tags.create": "student teacher",
			"tags.update": "$owner",
			"tags.remove": "$owner",
			"tags.suggest": "student teacher",
			"media.playlist": "public",
			"media.remove": "$owner",
			"media.forumMedia": "$owner",
			"media.removeForumMedia": "$owner",
			"media.serveForumMedia": "public",
			"analytics.sessionMetrics": "student teacher",
			"analytics.dashboard": "student teacher",
			"scheduling.create": "teacher",
			"scheduling.list": "teacher student",
			"scheduling.get": "teacher student",
			"scheduling.update": "$owner",
			"scheduling.remove": "$owner",
			"scheduling.changeOccurrence": "$owner",
			"scheduling.restoreOccurrence": "$owner",
			"scheduling.split": "$owner",
			"scheduling.setReminders": "teacher student",
			"scheduling.occurrences": "teacher student",
			"scheduling.practiceReminder": "student",
			"scheduling.setPracticeReminder": "student",
			"scheduling.feedToken": "teacher student",
			"scheduling.createFeedToken": "teacher student",
			"scheduling.revokeFeedToken": "teacher student",
			"scheduling.feed": "public",
			"roster.list": "teacher",
			"feedback.createPin": "$linkedTeacher",
			"feedback.listForVideo": "$owner $linkedTeacher",
			"feedback.createSessionNote": "$linkedTeacher",
			"feedback.listForSession": "$owner $linkedTeacher",
			"feedback.reply": "student teacher",
			"feedback.get": "student teacher",
			"feedback.update": "$owner",
			"feedback.remove": "$owner",
			"goals.set": "teacher",
			"goals.list": "student teacher",
			"goals.remove": "$owner",
			"assignments.create": "teacher",
			"assignments.list": "student teacher",
			"assignments.get": "student teacher",
			"assignments.update": "$owner",
			"assignments.remove": "$owner",
			"assignments.markDone": "student",
			"assignments.reopen": "student",
			"assignments.linkSession": "student",
			"assignments.unlinkSession": "student",
			"community.createPost": "authenticated",
			"community.listPosts": "authenticated",
			"community.getPost": "authenticated",
			"community.updatePost": "authenticated",
			"community.deletePost": "$owner",
			"community.listRevisions": "authenticated",
			"community.createComment": "authenticated",
			"community.deleteComment": "$owner",
			"community.accept": "$owner",
			"community.unaccept": "$owner",
			"community.vote": "authenticated",
			"community.retractVote": "authenticated",
			"community.search": "authenticated",
			"community.suggestTags": "authenticated",
			"community.preview": "authenticated",
			"community.myStanding": "authenticated",
			"community-moderation.flag": "authenticated",
			"community-moderation.queue": "$moderator",
			"community-moderation.decide": "$moderator",
			"community-moderation.log": "$moderator"
		});
	});

	it("every action that checks a relation to an entity loads its entity first", () => {
		for (const schema of schemas) {
			for (const [name, action] of publishedActions(schema)) {
				// $moderator is about the caller (a grant the community holds), not about an entity.
				if (action.permissions.some((p: string) => p === "$owner" || p === "$linkedTeacher")) expect(action.needEntity, name).toBe(true);
			}
		}
	});
});
