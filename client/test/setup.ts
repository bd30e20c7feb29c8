import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// waitFor and findBy* give up after 1 s by default; on a loaded machine Ionic's overlays take
// longer than that to present and to leave (the sign-out alert's cancel case failed at 1.05 s).
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => cleanup());
