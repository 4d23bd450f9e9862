/** Sign-in, refresh and sign-out calls of the staff API. */
import { parseTokens, type Tokens } from "../session";

async function post(path: string, body: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, { method: "POST", headers, body: JSON.stringify(body) });
}

export class SignInError extends Error {}

export async function login(email: string, password: string): Promise<Tokens> {
  const response = await post("/api/v1/auth/login", { email, password });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const detail =
      response.status === 401 || response.status === 403
        ? "The email or password is not right."
        : response.status === 429
          ? "Too many attempts. Wait a minute and try again."
          : `Sign-in failed (${response.status}).`;
    throw new SignInError(detail);
  }
  return parseTokens(body, Date.now());
}

export async function refreshTokens(refreshToken: string): Promise<Tokens> {
  const response = await post("/api/v1/auth/refresh", { refresh_token: refreshToken });
  if (!response.ok) throw new Error(`refresh failed (${response.status})`);
  return parseTokens(await response.json(), Date.now());
}

export async function logout(accessToken: string, refreshToken: string): Promise<void> {
  await post("/api/v1/auth/logout", { refresh_token: refreshToken }, accessToken).catch(() => undefined);
}
