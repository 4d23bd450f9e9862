/** Sign-in, refresh and sign-out calls of the staff API. */
import { api } from "@/lib/api/client";
import { parseTokens, type Tokens } from "../session";

export class SignInError extends Error {}

export async function login(email: string, password: string): Promise<Tokens> {
  const { data, response } = await api.POST("/api/v1/auth/login", { body: { email, password } });
  if (!response.ok || !data) {
    throw new SignInError(
      response.status === 401 || response.status === 403
        ? "The email or password is not right."
        : response.status === 429
          ? "Too many attempts. Wait a few minutes and try again."
          : `Sign-in failed (${response.status}).`,
    );
  }
  return parseTokens(data, Date.now());
}

export async function refreshTokens(refreshToken: string): Promise<Tokens> {
  const { data, response } = await api.POST("/api/v1/auth/refresh", { body: { refresh_token: refreshToken } });
  if (!response.ok || !data) throw new Error(`refresh failed (${response.status})`);
  return parseTokens(data, Date.now());
}

/** Ends the session on the server (its refresh and access tokens stop working). */
export async function logout(accessToken: string, refreshToken: string): Promise<void> {
  await api
    .POST("/api/v1/auth/logout", {
      body: { refresh_token: refreshToken || null },
      headers: { Authorization: `Bearer ${accessToken}` },
    })
    .catch(() => undefined);
}
