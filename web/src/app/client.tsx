// The urql client, replaced after login and logout: cached results and the open WebSocket
// belong to the person who was logged in before.
import { createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import type { ReactNode } from "react";
import { Provider } from "urql";
import { makeClient, onReconnected } from "../graphql/client";

const ResetContext = createContext<() => void>(() => {});
const GenerationContext = createContext(0);

export function ClientProvider({ children }: { children: ReactNode }) {
  const [generation, setGeneration] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const client = useMemo(() => makeClient(), [generation]);
  const reset = useCallback(() => setGeneration((g) => g + 1), []);
  return (
    <ResetContext.Provider value={reset}>
      <GenerationContext.Provider value={generation}>
        <Provider value={client}>{children}</Provider>
      </GenerationContext.Provider>
    </ResetContext.Provider>
  );
}

/** Call after the session changed (login, logout, accepted invitation). */
export function useResetClient(): () => void {
  return useContext(ResetContext);
}

/** Which client this is (one more after each reset): what is keyed by it starts over with
 *  the new client, never showing the previous person's data meanwhile. */
export function useClientGeneration(): number {
  return useContext(GenerationContext);
}

/** How many times the live channel came back after dropping since the page opened: effects
 *  that depend on it re-subscribe and catch up on what they missed. */
export function useReconnects(): number {
  const [count, setCount] = useState(0);
  useEffect(() => onReconnected(() => setCount((c) => c + 1)), []);
  return count;
}
