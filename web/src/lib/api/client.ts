/** The typed API client: paths and bodies come from the gateway's OpenAPI (schema.ts). */
import createClient, { type Middleware } from "openapi-fetch";
import { toApiError } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

export const api = createClient<paths>({ baseUrl: window.location.origin });

export function installMiddleware(middleware: Middleware): () => void {
  api.use(middleware);
  return () => api.eject(middleware);
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Returns the data of a successful call, throws an ApiError otherwise. */
export async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw toApiError(response.status, error);
  return data as T;
}
