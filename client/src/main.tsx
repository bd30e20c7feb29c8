import { Capacitor } from "@capacitor/core";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { startAppUpdates } from "./data/app-updates";
import "./boot.css";

// Native apps load the shell from their own bundle; the dev server has no built service worker.
if (import.meta.env.PROD && "serviceWorker" in navigator && !Capacitor.isNativePlatform()) startAppUpdates();

createRoot(document.getElementById("root")!).render(<App />);
