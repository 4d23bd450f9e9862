/** The tenant's folders (GET /api/v1/folders): the folder pickers of the list filters and the
 * profile's right panel. A customer's `folder` is a folder id. */
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "./client";

export function useFolders() {
  return useQuery({
    queryKey: ["folders"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/folders", { signal })),
    staleTime: 60_000,
  });
}
