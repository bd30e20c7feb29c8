import { IonButton, IonItem, IonLabel, IonList, IonNote, IonSearchbar, IonSpinner } from "@ionic/react";
import { useState } from "react";
import { ChoiceSegment } from "../../components/ChoiceSegment";
import { ErrorNote } from "../../components/ErrorNote";
import { ForumHtml } from "../../components/community/ForumHtml";
import { Screen } from "../../components/Screen";
import { useFeed, useForumSearch, useForumStanding } from "../../data/community-queries";
import type { Feed, FeedPeriod } from "../../models/community";

const FEEDS: Array<{ value: Feed; label: string }> = [
	{ value: "hot", label: "Hot" },
	{ value: "new", label: "New" },
	{ value: "top", label: "Top" },
	{ value: "unanswered", label: "Unanswered" }
];

const PERIODS: Array<{ value: FeedPeriod; label: string }> = [
	{ value: "week", label: "This week" },
	{ value: "month", label: "This month" },
	{ value: "all", label: "All time" }
];

/** The server's privilege names (services/community/rules.ts PRIVILEGES) in words. */
const PRIVILEGE_LABELS: Record<string, string> = {
	noNewUserLimits: "No new-user limits",
	upvote: "Upvote",
	flag: "Flag",
	commentEverywhere: "Comment on others' posts",
	downvote: "Downvote",
	editOthers: "Edit others' posts"
};

/** The feeds, and search with the server's highlighted matches in place of a feed while there is a query. */
export default function CommunityPage() {
	const [feed, setFeed] = useState<Feed>("hot");
	const [period, setPeriod] = useState<FeedPeriod>("week");
	const [q, setQ] = useState("");
	// Only Top has a period; the other feeds keep one cache entry each.
	const posts = useFeed(feed === "top" ? { feed, period } : { feed });
	const feedItems = posts.data?.pages.flatMap((page) => page.items);
	const search = useForumSearch(q);
	const standing = useForumStanding();
	const searching = q.trim().length > 0;
	return (
		<Screen title="Community">
			<div className="ion-padding-horizontal ion-padding-top" style={{ display: "flex", justifyContent: "space-between", alignItems: "center" }}>
				<div>
					<IonButton routerLink="/tabs/community/ask">Ask a question</IonButton>
					{standing.data?.isModerator && (
						<IonButton routerLink="/tabs/community/moderation" fill="outline">
							Moderation
						</IonButton>
					)}
				</div>
				{standing.data && <IonNote aria-label={`My reputation ${standing.data.reputation}`}>Reputation {standing.data.reputation}</IonNote>}
			</div>
			{standing.data && (
				<details className="ion-padding-horizontal">
					<summary>My privileges</summary>
					<ul aria-label="My privileges">
						{standing.data.privileges.map((privilege) => (
							<li key={privilege.name}>
								{privilege.granted ? "✓" : "✗"} {PRIVILEGE_LABELS[privilege.name] ?? privilege.name} (from {privilege.threshold})
							</li>
						))}
					</ul>
				</details>
			)}
			<IonSearchbar aria-label="Search the community" placeholder="Search questions" debounce={300} value={q} onIonInput={(event) => setQ(event.detail.value ?? "")} />
			{searching ? (
				<>
					{search.isPending && <IonSpinner aria-label="Searching" />}
					<ErrorNote error={search.error} />
					{search.isSuccess && search.data.items.length === 0 && <p className="ion-padding" role="status">No posts match.</p>}
					<IonList aria-label="Search results">
						{search.data?.items.map((hit) => (
							<IonItem key={hit.id} routerLink={`/tabs/community/${hit.id}`} detail>
								<IonLabel className="ion-text-wrap">
									<h2><ForumHtml className="etude-search-title" html={hit.titleHtml} /></h2>
									<ForumHtml className="etude-search-snippet" html={hit.snippetHtml} />
									<IonNote>{hit.score} votes · {hit.answerCount} answers{hit.tags.length > 0 ? ` · ${hit.tags.join(", ")}` : ""}</IonNote>
								</IonLabel>
							</IonItem>
						))}
					</IonList>
				</>
			) : (
				<>
					<ChoiceSegment label="Feed" value={feed} choices={FEEDS} onChange={setFeed} />
					{feed === "top" && <ChoiceSegment label="Top of" value={period} choices={PERIODS} onChange={setPeriod} />}
					{posts.isPending && <IonSpinner aria-label="Loading posts" />}
					<ErrorNote error={posts.error} />
					{feedItems?.length === 0 && <p className="ion-padding" role="status">No posts here yet.</p>}
					<IonList aria-label="Posts">
						{feedItems?.map((post) => (
							<IonItem key={post.id} routerLink={`/tabs/community/${post.id}`} detail>
								<IonLabel className="ion-text-wrap">
									<h2>{post.title}</h2>
									<p>{post.excerpt}</p>
									<IonNote>
										{post.score} votes · {post.answerCount} answers{post.hasAcceptedAnswer ? " ✓" : ""}
										{post.tags.length > 0 ? ` · ${post.tags.join(", ")}` : ""}
										{post.author ? ` · ${post.author.name}` : ""}
									</IonNote>
								</IonLabel>
							</IonItem>
						))}
					</IonList>
					{posts.hasNextPage && (
						<div className="ion-padding">
							<IonButton expand="block" fill="outline" disabled={posts.isFetchingNextPage} onClick={() => void posts.fetchNextPage()}>
								{posts.isFetchingNextPage ? "Loading more posts…" : "Load more posts"}
							</IonButton>
						</div>
					)}
				</>
			)}
		</Screen>
	);
}
