// What every page needs: the dashboard server's description (which services it proxies, whether a
// login code is set) and the keys of this tab.

import { createContext, useContext } from "react";
import type { Connections, ServerInfo } from "./connections.ts";

export interface AppState {
  server: ServerInfo;
  connections: Connections;
  setConnections: (connections: Connections | null) => void;
}

export const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error("useApp outside the dashboard");
  return state;
}
