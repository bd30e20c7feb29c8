import localforage from "localforage";
import type { PracticeRecording } from "../models/recording";
import type { RecordingStore } from "./recording-uploads";

/**
 * IndexedDB holds Blobs directly, in browsers and in the iOS and Android web views alike, so a recording
 * survives closing the app until it is uploaded.
 */
export class IndexedDbRecordingStore implements RecordingStore {
	private readonly recordings = localforage.createInstance({
		name: "etude",
		storeName: "recordings",
		driver: localforage.INDEXEDDB
	});

	async save(sessionId: string, recording: PracticeRecording) {
		await this.recordings.setItem(sessionId, recording);
	}
	async load(sessionId: string) {
		return (await this.recordings.getItem<PracticeRecording>(sessionId)) ?? undefined;
	}
	async remove(sessionId: string) {
		await this.recordings.removeItem(sessionId);
	}
	async sessionIds() {
		return this.recordings.keys();
	}
}
