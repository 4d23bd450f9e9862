import { useQueryClient } from "@tanstack/react-query";
import { createContext, useContext, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { installMiddleware } from "@/lib/api/client";
import { login, logout, refreshTokens } from "./api/auth";
import { Session } from "./session";

interface AuthValue {
  session: Session;
  signedIn: boolean;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: React.ReactNode }) {
  const queryClient = useQueryClient();
  // The middleware goes in before the first render: children's queries start in effects that
  // run before this component's own.
  const [session] = useState(() => {
    const created = new Session(window.sessionStorage, refreshTokens);
    installMiddleware(created.middleware());
    return created;
  });
  const tokens = useSyncExternalStore(
    (listener) => session.subscribe(listener),
    () => session.tokens,
  );

  // Silent refresh: renew the access token shortly before it expires.
  useEffect(() => {
    const due = session.refreshDueIn();
    if (due === null || !tokens?.refreshToken) return;
    const timer = window.setTimeout(() => void session.refresh(), due);
    return () => window.clearTimeout(timer);
  }, [session, tokens]);

  useEffect(() => {
    if (!tokens) queryClient.clear();
  }, [tokens, queryClient]);

  const value = useMemo<AuthValue>(
    () => ({
      session,
      signedIn: tokens !== null,
      signIn: async (email, password) => session.set(await login(email, password)),
      signOut: async () => {
        const current = session.tokens;
        session.clear();
        if (current) await logout(current.accessToken, current.refreshToken);
      },
    }),
    [session, tokens],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
