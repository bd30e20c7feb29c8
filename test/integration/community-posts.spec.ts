import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, establishedMember, member, members, reply } from "../support/community-fixtures";
import { httpClient, type Account } from "../support/http-client";
import { startTestApi, type TestApi } from "../support/test-node";
import { testDatabaseUrl } from "../support/file-database";

/** Posts, answers, threaded comments, accepts, votes and the reputation ledger, through HTTP on PostgreSQL. */
let api: TestApi;
let http: ReturnType<typeof httpClient>;
let databaseUrl: string;
let asker: Account;
let answerer: Account;

beforeAll(async () => {
	databaseUrl = testDatabaseUrl();
	api = await startTestApi(databaseUrl);
	http = httpClient(api.baseUrl);
	asker = await member(http, databaseUrl, "Asker", 200);
	answerer = await member(http, databaseUrl, "Answerer", 200);
}, 120_000);
afterAll(() => api.stop());

async function reputationOf(account: Account): Promise<{ cached: number; recomputed: number; ledgerConsistent: boolean }> {
	return api.node.broker.call("community.recomputeReputation", { userId: account.id });
}

const question = { title: "How do I practise collé bowing?", body: "My **collé** strokes crunch. Any exercises?", tags: ["Bowing", " violin ", "bowing"], instrument: "violin" };

describe("posts", () => {
	it("stores a question's markdown raw and rendered, with lower-case tags, and keeps every edit as a revision", async () => {
		const id = await ask(http, asker, question);
		const read = await http.request("GET", `/api/forum/posts/${id}`, { token: answerer.token });
		expect(read.status).toBe(200);
		expect(read.body).toMatchObject({ kind: "question", title: question.title, markdown: question.body, tags: ["bowing", "violin"], instrument: "violin", score: 0, revision: 1 });
		expect(read.body.html).toContain("<strong>collé</strong>");
		expect(read.body.author).toMatchObject({ id: asker.id, name: "Asker" });

		const edited = await http.request("PATCH", `/api/forum/posts/${id}`, { token: asker.token, body: { body: "My collé strokes crunch at the frog. Exercises?" } });
		expect(edited.status).toBe(200);
		expect(edited.body.revision).toBe(2);
		const revisions = await http.request("GET", `/api/forum/posts/${id}/revisions`, { token: answerer.token });
		expect(revisions.body.map((revision: { revision: number; markdown: string }) => [revision.revision, revision.markdown])).toEqual([
			[2, "My collé strokes crunch at the frog. Exercises?"],
			[1, question.body]
		]);
	});

	it("refuses more than five tags, tags that are not words, and someone else's edit without the privilege", async () => {
		const tooMany = await http.request("POST", "/api/forum/posts", { token: asker.token, body: { ...question, tags: ["a", "b", "c", "d", "e", "f"] } });
		expect(tooMany.status).toBe(422);
		const bad = await http.request("POST", "/api/forum/posts", { token: asker.token, body: { ...question, tags: ["<b>"] } });
		expect(bad.status).toBe(422);
		const id = await ask(http, asker, { ...question, title: "Whose edit is this one?" });
		const edit = await http.request("PATCH", `/api/forum/posts/${id}`, { token: answerer.token, body: { title: "Vandalised title here" } });
		expect(edit.status).toBe(403);
		expect(edit.body.code).toBe("ERR_PRIVILEGE_REQUIRED");
	});

	it("keeps a deleted post as a tombstone whose replies keep their place", async () => {
		const id = await ask(http, asker, { ...question, title: "A question I will delete" });
		const answerId = await reply(http, answerer, id, "An answer that stays");
		expect((await http.request("DELETE", `/api/forum/posts/${id}`, { token: answerer.token })).status).toBe(403);
		expect((await http.request("DELETE", `/api/forum/posts/${id}`, { token: asker.token })).status).toBe(204);
		const read = await http.request("GET", `/api/forum/posts/${id}`, { token: answerer.token });
		expect(read.body).toMatchObject({ status: "deleted", title: "", html: "", markdown: "", author: null });
		expect(read.body.comments.map((comment: { id: string }) => comment.id)).toEqual([answerId]);
		const feed = await http.request("GET", "/api/forum/posts?feed=new&limit=50", { token: answerer.token });
		expect(feed.body.items.map((item: { id: string }) => item.id)).not.toContain(id);
	});
});

describe("answers and threaded comments", () => {
	it("nests replies six levels deep at most, in a stable order of score then time", async () => {
		const id = await ask(http, asker, { ...question, title: "Threads six levels deep" });
		const first = await reply(http, answerer, id, "First answer");
		const second = await reply(http, asker, id, "Second answer, by the asker");
		let parent = first;
		const chain = [first];
		for (let depth = 2; depth <= 6; depth += 1) {
			parent = await reply(http, depth % 2 === 0 ? asker : answerer, id, `reply at depth ${depth}`, parent);
			chain.push(parent);
		}
		const tooDeep = await http.request("POST", `/api/forum/posts/${id}/comments`, { token: asker.token, body: { body: "seventh", parentId: parent } });
		expect(tooDeep.status).toBe(409);
		expect(tooDeep.body.code).toBe("ERR_THREAD_TOO_DEEP");

		let read = await http.request("GET", `/api/forum/posts/${id}`, { token: asker.token });
		expect(read.body.comments.map((comment: { id: string }) => comment.id)).toEqual([first, second]);
		expect(read.body.answerCount).toBe(2);
		let node = read.body.comments[0];
		for (const expected of chain) {
			expect(node.id).toBe(expected);
			node = node.replies[0];
		}
		// The later answer outranks the earlier one once it scores higher.
		expect((await http.request("PUT", `/api/forum/votes/comment/${second}`, { token: answerer.token, body: { value: 1 } })).status).toBe(200);
		read = await http.request("GET", `/api/forum/posts/${id}`, { token: asker.token });
		expect(read.body.comments.map((comment: { id: string }) => comment.id)).toEqual([second, first]);
	});

	it("lets the asker accept one answer, moves the accept, and tells the answerer's reputation", async () => {
		const id = await ask(http, asker, { ...question, title: "Which answer will be accepted?" });
		const answerA = await reply(http, answerer, id, "Answer A");
		const other = await member(http, databaseUrl, "Other answerer", 50);
		const answerB = await reply(http, other, id, "Answer B");
		const before = { asker: (await reputationOf(asker)).cached, answerer: (await reputationOf(answerer)).cached, other: (await reputationOf(other)).cached };

		expect((await http.request("PUT", `/api/forum/posts/${id}/accept/${answerA}`, { token: answerer.token })).status).toBe(403);
		const accepted = await http.request("PUT", `/api/forum/posts/${id}/accept/${answerA}`, { token: asker.token });
		expect(accepted.status).toBe(200);
		expect(accepted.body.acceptedAnswerId).toBe(answerA);
		expect((await reputationOf(answerer)).cached).toBe(before.answerer + 15);
		expect((await reputationOf(asker)).cached).toBe(before.asker + 2);

		await http.request("PUT", `/api/forum/posts/${id}/accept/${answerB}`, { token: asker.token });
		expect((await reputationOf(answerer)).cached).toBe(before.answerer);
		expect((await reputationOf(other)).cached).toBe(before.other + 15);
		expect((await reputationOf(asker)).cached).toBe(before.asker + 2);
		const read = await http.request("GET", `/api/forum/posts/${id}`, { token: asker.token });
		expect(read.body.comments[0]).toMatchObject({ id: answerB, accepted: true });

		for (const account of [asker, answerer, other]) expect(await reputationOf(account)).toMatchObject({ ledgerConsistent: true, recomputed: (await reputationOf(account)).cached });
	});
});

describe("votes", () => {
	it("refuses self-votes and a downvote from a member with 124 reputation", async () => {
		const id = await ask(http, asker, { ...question, title: "Votes on this question" });
		const self = await http.request("PUT", `/api/forum/votes/post/${id}`, { token: asker.token, body: { value: 1 } });
		expect(self.status).toBe(403);
		expect(self.body.code).toBe("ERR_SELF_VOTE");
		const almost = await member(http, databaseUrl, "Almost", 124);
		const down = await http.request("PUT", `/api/forum/votes/post/${id}`, { token: almost.token, body: { value: -1 } });
		expect(down.status).toBe(403);
		expect(down.body).toMatchObject({ code: "ERR_PRIVILEGE_REQUIRED", details: { privilege: "downvote", needed: 125, reputation: 124 } });
		expect((await http.request("PUT", `/api/forum/votes/post/${id}`, { token: almost.token, body: { value: 1 } })).body).toEqual({ score: 1, myVote: 1 });
		const newcomer = await http.register("student", "Newcomer");
		const up = await http.request("PUT", `/api/forum/votes/post/${id}`, { token: newcomer.token, body: { value: 1 } });
		expect(up.body).toMatchObject({ code: "ERR_PRIVILEGE_REQUIRED", details: { privilege: "upvote" } });
	});

	it("changes and retracts a vote, one per person and item, with the reputation following", async () => {
		const id = await ask(http, asker, { ...question, title: "Change and retract a vote" });
		const answerId = await reply(http, answerer, id, "An answer to vote on");
		const voter = await member(http, databaseUrl, "Voter", 500);
		const start = { voter: (await reputationOf(voter)).cached, answerer: (await reputationOf(answerer)).cached };
		const vote = (value: number) => http.request("PUT", `/api/forum/votes/comment/${answerId}`, { token: voter.token, body: { value } });
		expect((await vote(1)).body).toEqual({ score: 1, myVote: 1 });
		expect((await vote(1)).body).toEqual({ score: 1, myVote: 1 });
		expect((await reputationOf(answerer)).cached).toBe(start.answerer + 10);
		expect((await vote(-1)).body).toEqual({ score: -1, myVote: -1 });
		expect((await reputationOf(answerer)).cached).toBe(start.answerer - 2);
		expect((await reputationOf(voter)).cached).toBe(start.voter - 1);
		expect((await http.request("DELETE", `/api/forum/votes/comment/${answerId}`, { token: voter.token })).body).toEqual({ score: 0, myVote: 0 });
		expect((await reputationOf(answerer)).cached).toBe(start.answerer);
		expect((await reputationOf(voter)).cached).toBe(start.voter);
	});

	it("keeps the score equal to the sum of votes under 100 concurrent votes", async () => {
		const id = await ask(http, asker, { ...question, title: "A hundred people vote at once" });
		const voters = await members(http, databaseUrl, "Crowd", 100, 200);
		const values = voters.map((_, index) => (index % 3 === 0 ? -1 : 1));
		const responses = await Promise.all(voters.map((voter, index) => http.request("PUT", `/api/forum/votes/post/${id}`, { token: voter.token, body: { value: values[index] } })));
		expect(responses.filter((response) => response.status !== 200).map((response) => response.body)).toEqual([]);
		// Half of them change their mind at the same time as the rest retract.
		await Promise.all(
			voters.map((voter, index) =>
				index % 2 === 0
					? http.request("PUT", `/api/forum/votes/post/${id}`, { token: voter.token, body: { value: -(values[index] ?? 1) } })
					: index % 5 === 0
						? http.request("DELETE", `/api/forum/votes/post/${id}`, { token: voter.token })
						: Promise.resolve()
			)
		);
		const client = new pg.Client({ connectionString: databaseUrl });
		await client.connect();
		try {
			const { rows } = await client.query(
				`SELECT p.score, (SELECT coalesce(sum(value), 0)::int FROM forum_votes v WHERE v.item_type = 'post' AND v.item_id = p.id) AS sum,
				   (SELECT count(*)::int FROM forum_votes v WHERE v.item_type = 'post' AND v.item_id = p.id) AS votes
				 FROM forum_posts p WHERE p.id = $1`,
				[id]
			);
			expect(rows[0].score).toBe(rows[0].sum);
			expect(rows[0].votes).toBe(100 - voters.filter((_, index) => index % 2 !== 0 && index % 5 === 0).length);
		} finally {
			await client.end();
		}
		expect(await reputationOf(asker)).toMatchObject({ ledgerConsistent: true });
		const check = await reputationOf(asker);
		expect(check.recomputed).toBe(check.cached);
	}, 120_000);
});

describe("reputation", () => {
	it("caps gains at 200 a day (accepts exempt), never goes below 1, and reverses a deleted post's events", async () => {
		const author = await member(http, databaseUrl, "Capped author", 1);
		const id = await ask(http, author, { ...question, title: "Popular question for the cap" });
		const fans = await members(http, databaseUrl, "Fan", 25, 200);
		for (const fan of fans) await http.request("PUT", `/api/forum/votes/post/${id}`, { token: fan.token, body: { value: 1 } });
		expect((await reputationOf(author)).cached).toBe(1 + 200);

		const answered = await ask(http, fans[0]!, { ...question, title: "The capped author answers here" });
		const answerId = await reply(http, author, answered, "An accepted answer beyond the cap");
		await http.request("PUT", `/api/forum/posts/${answered}/accept/${answerId}`, { token: fans[0]!.token });
		expect((await reputationOf(author)).cached).toBe(1 + 200 + 15);

		expect((await http.request("DELETE", `/api/forum/posts/${id}`, { token: author.token })).status).toBe(204);
		expect((await reputationOf(author)).cached).toBe(1 + 15);
		const critics = fans.slice(1, 20);
		for (const critic of critics) await establishedMember(databaseUrl, critic, 200);
		for (const critic of critics) await http.request("PUT", `/api/forum/votes/comment/${answerId}`, { token: critic.token, body: { value: -1 } });
		// 16 − 19 × 2 would be negative: the floor holds at 1.
		expect((await reputationOf(author)).cached).toBe(1);
		const final = await reputationOf(author);
		expect(final).toMatchObject({ recomputed: 1, ledgerConsistent: true });
	}, 120_000);

	it("recomputes every member's cached reputation from the ledger after a random sequence of votes, accepts and deletes", async () => {
		const people = await members(http, databaseUrl, "Random", 6, 130);
		let seed = 42;
		const random = (n: number) => {
			seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
			return seed % n;
		};
		const posts: Array<{ id: string; author: Account; answers: Array<{ id: string; author: Account }> }> = [];
		for (let index = 0; index < 4; index += 1) {
			const author = people[index]!;
			posts.push({ id: await ask(http, author, { ...question, title: `Random question number ${index}` }), author, answers: [] });
		}
		for (let step = 0; step < 80; step += 1) {
			const actor = people[random(people.length)]!;
			const post = posts[random(posts.length)]!;
			switch (random(6)) {
				case 0:
					if (post.answers.length < 3) post.answers.push({ id: await reply(http, actor, post.id, `answer at step ${step}`), author: actor });
					break;
				case 1:
				case 2: {
					const target = post.answers.length > 0 && random(2) === 0 ? { type: "comment", id: post.answers[random(post.answers.length)]!.id } : { type: "post", id: post.id };
					await http.request("PUT", `/api/forum/votes/${target.type}/${target.id}`, { token: actor.token, body: { value: random(2) === 0 ? 1 : -1 } });
					break;
				}
				case 3:
					await http.request("DELETE", `/api/forum/votes/post/${post.id}`, { token: actor.token });
					break;
				case 4:
					if (post.answers.length > 0) await http.request("PUT", `/api/forum/posts/${post.id}/accept/${post.answers[random(post.answers.length)]!.id}`, { token: post.author.token });
					break;
				case 5: {
					const answer = post.answers.length > 0 && random(4) === 0 ? post.answers.splice(random(post.answers.length), 1)[0] : undefined;
					if (answer) await http.request("DELETE", `/api/forum/comments/${answer.id}`, { token: answer.author.token });
					break;
				}
			}
		}
		for (const person of people) {
			const figures = await reputationOf(person);
			expect(figures.ledgerConsistent, person.id).toBe(true);
			expect(figures.recomputed, person.id).toBe(figures.cached);
		}
	}, 180_000);
});
