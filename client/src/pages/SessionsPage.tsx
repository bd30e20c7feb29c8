import {
	IonButton,
	IonItem,
	IonLabel,
	IonList,
	IonListHeader,
	IonNote,
	IonRefresher,
	IonRefresherContent,
	IonSpinner
} from "@ionic/react";
import { useState } from "react";
import { ErrorNote } from "../components/ErrorNote";
import { SessionFilterBar } from "../components/SessionFilterBar";
import { Screen } from "../components/Screen";
import { QueuedSessionItem } from "../components/QueuedSessionItem";
import { SyncStatusBadge } from "../components/SyncStatusBadge";
import { TagDots } from "../components/TagDots";
import { UnclaimedWorkList } from "../components/UnclaimedWorkList";
import { UploadProgress } from "../components/UploadProgress";
import { useAuth } from "../data/auth-context";
import { SESSIONS_PAGE_SIZE, useSessionsPage, useTags } from "../data/queries";
import { useSync } from "../data/sync-context";
import { FOCUS_LABELS, type SessionFilter } from "../models/session";
import { formatDateTime, formatMinutes } from "../util/format";

export default function SessionsPage() {
	const [limit, setLimit] = useState(SESSIONS_PAGE_SIZE);
	const [filter, setFilter] = useState<SessionFilter>({});
	const sessions = useSessionsPage({ ...filter, limit });
	const tags = useTags();
	const { user } = useAuth();
	const { entries, unclaimed, online, uploads, retry, discard, claim } = useSync();
	const serverIds = new Set((sessions.data?.items ?? []).map((session) => session.id));
	const syncStateById = new Map(entries.map((entry) => [entry.session.id, entry.state]));
	// Synced sessions come from the server's list, which may be filtered: only unsynced ones are listed from the device.
	const notOnServerYet = entries
		.filter((entry) => entry.state !== "done" && !serverIds.has(entry.session.id))
		.reverse();

	return (
		<Screen
			title="Sessions"
			beforeContent={
				<IonRefresher
					slot="fixed"
					onIonRefresh={(event) => void sessions.refetch().finally(() => event.detail.complete())}
				>
					<IonRefresherContent />
				</IonRefresher>
			}
		>
			{!online && (
				<IonNote className="ion-padding ion-display-block" role="status">
					You're offline. New sessions are kept on this device and sync when you reconnect.
				</IonNote>
			)}
			{notOnServerYet.length > 0 && (
				<IonList aria-label="Sessions on this device">
					<IonListHeader>On this device</IonListHeader>
					{notOnServerYet.map((entry) => (
						<QueuedSessionItem
							key={entry.session.id}
							entry={entry}
							uploads={uploads.get(entry.session.id) ?? []}
							onRetry={(sessionId) => void retry(sessionId)}
							onDiscard={(sessionId) => void discard(sessionId)}
						/>
					))}
				</IonList>
			)}
			<UnclaimedWorkList
				work={unclaimed}
				accountName={user?.name}
				onClaim={(sessionId) => void claim(sessionId)}
				onDiscard={(sessionId) => void discard(sessionId)}
			/>
			<SessionFilterBar
				filter={filter}
				tags={tags.data ?? []}
				onChange={(next) => {
					setFilter(next);
					setLimit(SESSIONS_PAGE_SIZE);
				}}
			/>
			<ErrorNote error={sessions.error} />
			{sessions.isPending && !sessions.error && <IonSpinner aria-label="Loading sessions" />}
			{sessions.data && (
				<IonList aria-label="Your sessions">
					<IonListHeader>All sessions ({sessions.data.total})</IonListHeader>
					{sessions.data.items.length === 0 && notOnServerYet.length === 0 && (
						<IonItem lines="none">
							<IonLabel>
								{filter.focus || filter.tagId
									? "No sessions match these filters."
									: "No sessions yet. Start the timer on the Practice tab."}
							</IonLabel>
						</IonItem>
					)}
					{sessions.data.items.map((session) => {
						const syncState = syncStateById.get(session.id);
						return (
							<IonItem key={session.id} routerLink={`/tabs/sessions/${session.id}`} detail data-session-id={session.id}>
								<IonLabel>
									<h3>
										{FOCUS_LABELS[session.focus]} <TagDots tags={session.tags} />
									</h3>
									<p>
										{formatDateTime(session.startedAt)} · {formatMinutes(session.durationMinutes)}
										{session.selfRating ? ` · ${"★".repeat(session.selfRating)}` : ""}
									</p>
									<UploadProgress statuses={uploads.get(session.id) ?? []} />
								</IonLabel>
								{syncState && <SyncStatusBadge state={syncState} />}
							</IonItem>
						);
					})}
				</IonList>
			)}
			{sessions.data && sessions.data.items.length < sessions.data.total && (
				<IonButton expand="block" fill="clear" onClick={() => setLimit(limit + SESSIONS_PAGE_SIZE)}>
					Show more
				</IonButton>
			)}
		</Screen>
	);
}
