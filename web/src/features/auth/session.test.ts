import { REFRESH_MARGIN_MS, Session, parseTokens, type Tokens } from "./session";

function storage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() { return map.size; },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, v),
  };
}

const tokens = (expiresAt: number, suffix = "1"): Tokens => ({ accessToken: `a${suffix}`, refreshToken: `r${suffix}`, expiresAt });

describe("parseTokens", () => {
  it("reads the login answer and turns expires_in into a deadline", () => {
    expect(parseTokens({ access_token: "x", refresh_token: "y", expires_in: 600 }, 1000)).toEqual({
      accessToken: "x",
      refreshToken: "y",
      expiresAt: 601_000,
    });
  });
  it("refuses an answer without an access token", () => {
    expect(() => parseTokens({ refresh_token: "y" }, 0)).toThrow();
  });
});

describe("Session", () => {
  it("survives a reload through storage and clears it on sign-out", () => {
    const store = storage();
    const first = new Session(store, vi.fn());
    first.set(tokens(10_000));
    expect(new Session(store, vi.fn()).tokens?.accessToken).toBe("a1");
    first.clear();
    expect(new Session(store, vi.fn()).tokens).toBeNull();
  });

  it("refreshes before expiry, once for concurrent callers", async () => {
    let now = 0;
    const refresh = vi.fn(async () => tokens(now + 900_000, "2"));
    const session = new Session(storage(), refresh, () => now);
    session.set(tokens(REFRESH_MARGIN_MS + 5_000));
    expect(await session.accessToken()).toBe("a1");
    expect(session.refreshDueIn()).toBe(5_000);
    now = 5_000;
    const [a, b] = await Promise.all([session.accessToken(), session.accessToken()]);
    expect([a, b]).toEqual(["a2", "a2"]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(refresh).toHaveBeenCalledWith("r1");
  });

  it("signs out when the refresh is refused", async () => {
    const session = new Session(storage(), vi.fn(async () => Promise.reject(new Error("401"))), () => 0);
    session.set(tokens(1));
    expect(await session.accessToken()).toBeNull();
    expect(session.tokens).toBeNull();
  });

  it("retries a request once with a fresh token after a 401", async () => {
    const session = new Session(storage(), vi.fn(async () => tokens(9e12, "2")), () => 0);
    session.set(tokens(9e12));
    const retried = vi.fn(async (request: Request) => new Response(request.headers.get("Authorization")));
    const middleware = session.middleware(retried as unknown as typeof fetch);
    const request = new Request("http://x/api/v1/customers");
    const options = { request, schemaPath: "", params: {}, options: {}, id: "1" } as never;
    const sent = (await middleware.onRequest!(options)) as Request;
    expect(sent.headers.get("Authorization")).toBe("Bearer a1");
    const answer = (await middleware.onResponse!({ ...(options as object), request: sent, response: new Response("", { status: 401 }) } as never)) as Response;
    expect(await answer.text()).toBe("Bearer a2");
    expect(retried).toHaveBeenCalledTimes(1);
  });

  it("sends no token with the refresh call, even when the token is due for refresh", async () => {
    const session = new Session(storage(), vi.fn(), () => 0);
    session.set(tokens(1));
    const middleware = session.middleware(vi.fn() as unknown as typeof fetch);
    const request = new Request("http://x/api/v1/auth/refresh", { method: "POST" });
    const sent = (await middleware.onRequest!({ request, schemaPath: "", params: {}, options: {}, id: "1" } as never)) as Request;
    expect(sent.headers.has("Authorization")).toBe(false);
  });

  it("does not retry the sign-in call itself", async () => {
    const refresh = vi.fn();
    const session = new Session(storage(), refresh, () => 0);
    const middleware = session.middleware(vi.fn() as unknown as typeof fetch);
    const request = new Request("http://x/api/v1/auth/login", { method: "POST" });
    const options = { request, schemaPath: "", params: {}, options: {}, id: "1" } as never;
    const sent = (await middleware.onRequest!(options)) as Request;
    const denied = new Response("", { status: 401 });
    expect(await middleware.onResponse!({ ...(options as object), request: sent, response: denied } as never)).toBe(denied);
    expect(refresh).not.toHaveBeenCalled();
  });
});
