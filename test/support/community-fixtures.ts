import pg from "pg";
import type { Account, httpClient } from "./http-client";

type Http = ReturnType<typeof httpClient>;

/**
 * The embedded database multiplexes every connection onto one session, whose role the services
 * set to etude_app: a fixture's transaction takes the owner's role back for itself.
 */
export const OWNER = "SET LOCAL ROLE postgres";

/**
 * Community test fixtures on the database owner's connection: a member with reputation (a
 * `bonus` ledger event, so the ledger still explains the figure) and an account older than a day,
 * so that a test can act as an established member instead of a first-day new user.
 */
export async function establishedMember(databaseUrl: string, account: Account, reputation: number, name = "Member"): Promise<void> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		await client.query("BEGIN");
		await client.query(OWNER);
		await client.query(
			`INSERT INTO forum_members (user_id, display_name, account_created_at) VALUES ($1, $2, now() - interval '30 days')
			 ON CONFLICT (user_id) DO UPDATE SET account_created_at = now() - interval '30 days'`,
			[account.id, name]
		);
		const { rows } = await client.query<{ reputation: number }>("SELECT reputation FROM forum_members WHERE user_id = $1 FOR UPDATE", [account.id]);
		const bonus = reputation - rows[0]!.reputation;
		if (bonus !== 0) {
			await client.query(
				`INSERT INTO forum_reputation_events (user_id, kind, amount, applied, source_key) VALUES ($1, 'bonus', $2, $2, 'test:fixture')`,
				[account.id, bonus]
			);
			await client.query("UPDATE forum_members SET reputation = $2 WHERE user_id = $1", [account.id, reputation]);
		}
		await client.query("COMMIT");
	} finally {
		await client.end();
	}
}

export async function makeModerator(databaseUrl: string, account: Account): Promise<void> {
	const client = new pg.Client({ connectionString: databaseUrl });
	await client.connect();
	try {
		await client.query("BEGIN");
		await client.query(OWNER);
		await client.query("INSERT INTO forum_moderators (user_id, granted_by) VALUES ($1, 'test') ON CONFLICT DO NOTHING", [account.id]);
		await client.query("COMMIT");
	} finally {
		await client.end();
	}
}

export async function member(http: Http, databaseUrl: string, name: string, reputation: number): Promise<Account> {
	const account = await http.register("student", name);
	await establishedMember(databaseUrl, account, reputation, name);
	return account;
}

export async function ask(http: Http, account: Account, fields: { title: string; body: string; tags?: string[]; kind?: string; instrument?: string }): Promise<string> {
	const response = await http.request("POST", "/api/forum/posts", { token: account.token, body: fields });
	if (response.status !== 201) throw new Error(`ask: ${response.status} ${JSON.stringify(response.body)}`);
	const location = response.headers.get("location");
	if (location !== `/api/forum/posts/${response.body.id}`) throw new Error(`ask: Location ${location} names another post`);
	return response.body.id as string;
}

export async function reply(http: Http, account: Account, postId: string, body: string, parentId?: string): Promise<string> {
	const response = await http.request("POST", `/api/forum/posts/${postId}/comments`, { token: account.token, body: { body, parentId } });
	if (response.status !== 201) throw new Error(`reply: ${response.status} ${JSON.stringify(response.body)}`);
	const location = response.headers.get("location");
	if (location !== `/api/forum/posts/${postId}`) throw new Error(`reply: Location ${location} is not the post replied to`);
	return response.body.id as string;
}

/** Several established members, registered one after another (registration refuses bursts). */
export async function members(http: Http, databaseUrl: string, prefix: string, count: number, reputation: number): Promise<Account[]> {
	const accounts: Account[] = [];
	for (let index = 0; index < count; index += 1) accounts.push(await member(http, databaseUrl, `${prefix} ${index}`, reputation));
	return accounts;
}
