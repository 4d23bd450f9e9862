import { useQuery } from "@tanstack/react-query";
import { useAuth } from "../AuthProvider";

export interface Me {
  user: string;
  tenant: string;
}

function pick(body: Record<string, unknown>, ...paths: string[]): string {
  for (const path of paths) {
    let value: unknown = body;
    for (const part of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[part];
    if (typeof value === "string" && value) return value;
  }
  return "";
}

/** Who is signed in, for the header (GET /api/v1/me). */
export function useMe() {
  const { session } = useAuth();
  return useQuery({
    queryKey: ["me"],
    staleTime: 5 * 60_000,
    retry: false,
    queryFn: async (): Promise<Me> => {
      const token = await session.accessToken();
      const response = await fetch("/api/v1/me", { headers: token ? { Authorization: `Bearer ${token}` } : {} });
      if (!response.ok) throw new Error(`me: ${response.status}`);
      const body = (await response.json()) as Record<string, unknown>;
      return {
        user: pick(body, "name", "display_name", "email", "user.name", "user.email"),
        tenant: pick(body, "tenant_name", "tenant.name", "business_name"),
      };
    },
  });
}
