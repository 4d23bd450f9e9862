import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api/client";

/** Who is signed in and for which business, for the header. */
export function useMe() {
  return useQuery({
    queryKey: ["me"],
    staleTime: 5 * 60_000,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/me", { signal })),
  });
}
