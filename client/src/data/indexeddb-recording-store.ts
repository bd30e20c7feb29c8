import localforage from "localforage";
import type { PracticeRecording } from "../models/recording";
import type { RecordingStore, StoredRecording } from "./recording-uploads";

/** A value as an earlier version stored it: the bare recording, with no owner. */
function isStoredRecording(value: StoredRecording | PracticeRecording): value is StoredRecording {
	return "ownerId" in value && "recording" in value;
}

function fromStored(value: StoredRecording | PracticeRecording): StoredRecording {
	return isStoredRecording(value) ? value : { ownerId: null, recording: value };
}

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

	async save(sessionId: string, stored: StoredRecording) {
		await this.recordings.setItem(sessionId, stored);
	}
	async load(sessionId: string) {
		const value = await this.recordings.getItem<StoredRecording | PracticeRecording>(sessionId);
		return value ? fromStored(value) : undefined;
	}
	async remove(sessionId: string) {
		await this.recordings.removeItem(sessionId);
	}
	async owners() {
		const owners = new Map<string, string | null>();
		await this.recordings.iterate<StoredRecording | PracticeRecording, void>((value, sessionId) => {
			owners.set(sessionId, fromStored(value).ownerId);
		});
		return owners;
	}
}
