import { createContext, type ReactNode } from "react";

/** What signed-in screens show at the end of their header (the notification bell); nothing elsewhere. */
export const HeaderActionsContext = createContext<ReactNode>(null);
