// Loaded into the Etude server under bench (node --import): records the statements the server
// sends (bench/support/pg-capture.ts) between a "start" and a "stop" message from the bench.
import { startCapture, stopCapture } from "../support/pg-capture";

type CaptureMessage = { sqlCapture: "start" | "stop" };

process.on("message", (message: CaptureMessage) => {
	if (message?.sqlCapture === "start") startCapture();
	if (message?.sqlCapture === "stop") process.send?.({ captured: stopCapture() });
});
