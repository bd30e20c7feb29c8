// The yardstick for bench/api: node:http and pg answering the same two requests with the
// same SQL, and nothing else: no gateway, no token, no row-level security.
import { randomUUID } from "node:crypto";
import { createServer } from "node:http";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 20) });
const studentId = process.env.BENCH_STUDENT_ID!;

const server = createServer(async (req, res) => {
	try {
		const match = req.url?.match(/^\/api\/sessions\/([0-9a-f-]{36})$/);
		if (req.method === "GET" && match) {
			const { rows } = await pool.query(
				`SELECT s.*, COALESCE((SELECT array_agg(tag_id) FROM session_tags WHERE session_id = s.id), '{}') AS tag_ids
				 FROM practice_sessions s WHERE s.id = $1 AND s.student_id = $2 AND s.deleted_at IS NULL`,
				[match[1], studentId]
			);
			res.writeHead(rows.length ? 200 : 404, { "content-type": "application/json" });
			res.end(JSON.stringify(rows[0] ?? {}));
			return;
		}
		if (req.method === "POST" && req.url === "/api/sessions") {
			let raw = "";
			for await (const chunk of req) raw += chunk;
			const body = JSON.parse(raw);
			const { rows } = await pool.query(
				`INSERT INTO practice_sessions (id, student_id, focus, start_ts, end_ts, self_rating, note)
				 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING *`,
				[body.id ?? randomUUID(), studentId, body.focus, body.startedAt, body.endedAt, body.selfRating ?? null, body.note ?? ""]
			);
			res.writeHead(201, { "content-type": "application/json" });
			res.end(JSON.stringify(rows[0]));
			return;
		}
		res.writeHead(404).end();
	} catch (error) {
		res.writeHead(500).end(String(error));
	}
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
process.on("SIGTERM", () => server.close(() => void pool.end().then(() => process.exit(0))));
