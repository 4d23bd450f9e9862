/**
 * The signed-in session: tokens kept in sessionStorage (one tab, gone when it closes), the
 * access token refreshed shortly before it expires and once more when the server answers 401.
 * Concurrent callers share one refresh request.
 */
import type { Middleware } from "openapi-fetch";

export interface Tokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export type RefreshFn = (refreshToken: string) => Promise<Tokens>;

const STORAGE_KEY = "moodline.session";
/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;
const AUTH_PATHS = ["/api/v1/auth/login", "/api/v1/auth/refresh"];

/** Reads a login/refresh answer: `{access_token, refresh_token, expires_in}`. */
export function parseTokens(body: unknown, now: number): Tokens {
  if (typeof body !== "object" || body === null) throw new Error("unexpected sign-in answer");
  const { access_token, refresh_token, expires_in } = body as Record<string, unknown>;
  if (typeof access_token !== "string" || !access_token) throw new Error("no access token");
  const seconds = typeof expires_in === "number" && expires_in > 0 ? expires_in : 900;
  return {
    accessToken: access_token,
    refreshToken: typeof refresh_token === "string" ? refresh_token : "",
    expiresAt: now + seconds * 1000,
  };
}

export class Session {
  private current: Tokens | null;
  private inFlight: Promise<Tokens | null> | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly storage: Storage,
    private readonly refreshFn: RefreshFn,
    private readonly now: () => number = Date.now,
  ) {
    this.current = Session.load(storage);
  }

  private static load(storage: Storage): Tokens | null {
    try {
      const raw = storage.getItem(STORAGE_KEY);
      if (!raw) return null;
      const parsed = JSON.parse(raw) as Partial<Tokens>;
      return typeof parsed.accessToken === "string" && typeof parsed.expiresAt === "number"
        ? { accessToken: parsed.accessToken, refreshToken: parsed.refreshToken ?? "", expiresAt: parsed.expiresAt }
        : null;
    } catch {
      return null;
    }
  }

  get tokens(): Tokens | null {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(tokens: Tokens | null): void {
    this.current = tokens;
    if (tokens) this.storage.setItem(STORAGE_KEY, JSON.stringify(tokens));
    else this.storage.removeItem(STORAGE_KEY);
    this.listeners.forEach((listener) => listener());
  }

  clear(): void {
    this.set(null);
  }

  /** Milliseconds until a refresh is due (0: now); null when signed out. */
  refreshDueIn(): number | null {
    if (!this.current) return null;
    return Math.max(0, this.current.expiresAt - REFRESH_MARGIN_MS - this.now());
  }

  /** One refresh at a time; a failed refresh signs out. */
  refresh(): Promise<Tokens | null> {
    if (this.inFlight) return this.inFlight;
    const tokens = this.current;
    if (!tokens?.refreshToken) {
      this.clear();
      return Promise.resolve(null);
    }
    this.inFlight = this.refreshFn(tokens.refreshToken)
      .then((fresh) => {
        this.set(fresh);
        return fresh;
      })
      .catch(() => {
        this.clear();
        return null;
      })
      .finally(() => {
        this.inFlight = null;
      });
    return this.inFlight;
  }

  /** The access token to send, refreshed first when it is about to expire. */
  async accessToken(): Promise<string | null> {
    if (!this.current) return null;
    if (this.refreshDueIn() === 0 && this.current.refreshToken) {
      return (await this.refresh())?.accessToken ?? null;
    }
    return this.current.accessToken;
  }

  /** openapi-fetch middleware: bearer token on every call, one refresh + retry on 401. */
  middleware(fetchFn: typeof fetch = (...args) => fetch(...args)): Middleware {
    const retries = new WeakMap<Request, Request>();
    return {
      onRequest: async ({ request }) => {
        // Sign-in and refresh carry no token (a refresh asking for a refresh would wait on
        // itself); a caller that set its own Authorization keeps it.
        if (AUTH_PATHS.includes(new URL(request.url).pathname)) return request;
        if (!request.headers.has("Authorization")) {
          const token = await this.accessToken();
          if (token) request.headers.set("Authorization", `Bearer ${token}`);
        }
        retries.set(request, request.clone());
        return request;
      },
      onResponse: async ({ request, response }) => {
        const retry = retries.get(request);
        if (response.status !== 401 || !retry) return response;
        const fresh = await this.refresh();
        if (!fresh) return response;
        retry.headers.set("Authorization", `Bearer ${fresh.accessToken}`);
        return fetchFn(retry);
      },
    };
  }
}
