/** Duplicates and merges: the suggested pairs, a merge's preview for the staff's picks, the
 * merge itself and its operation (the other services move the duplicate's data after it). */
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { previewQuery, type Choices } from "../merge";

export type DuplicatePair = Schemas["DuplicatePairOut"];
export type Operation = Schemas["CustomerOperationOut"];

export function useDuplicates() {
  return useInfiniteQuery({
    queryKey: ["customers", "duplicates"],
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET("/api/v1/customers/duplicates", { params: { query: { limit: 20, cursor: pageParam } }, signal })),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useMergePreview(survivorId: string, duplicateId: string, choices: Choices, enabled: boolean) {
  const query = previewQuery(duplicateId, choices);
  return useQuery({
    queryKey: ["customers", "merge-preview", survivorId, query],
    enabled,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/customers/{customer_id}/merge-preview", {
          params: { path: { customer_id: survivorId }, query },
          querySerializer: { array: { style: "form", explode: true } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
    staleTime: 0,
  });
}

export function useMerge() {
  return useMutation({
    mutationFn: ({ survivorId, body }: { survivorId: string; body: Schemas["MergeIn"] }) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/merge", { params: { path: { customer_id: survivorId } }, body })),
  });
}

/** The merge as the services carry it out: re-read every second until it is completed. */
export function useOperation(id: string | null) {
  return useQuery({
    queryKey: ["customers", "operations", id],
    enabled: id !== null,
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/customers/operations/{operation_id}", { params: { path: { operation_id: id ?? "" } }, signal })),
    refetchInterval: (query) => (query.state.data?.status === "completed" ? false : 1_000),
  });
}

/** After a merge: the duplicate is gone and the survivor holds its data in every service, so
 * every cached query may be stale. */
export function useRefreshAfterMerge() {
  const queryClient = useQueryClient();
  return useCallback(() => queryClient.invalidateQueries(), [queryClient]);
}

/** Customers matching a search, for "Merge with…" (the profile being merged left out). */
export function useCustomerSearch(q: string, exceptId: string) {
  return useQuery({
    queryKey: ["customers", "merge-search", q.trim()],
    enabled: q.trim().length >= 3,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/customers", { params: { query: { q: q.trim(), limit: 10 } }, signal })),
    select: (page) => page.items.filter((c) => c.id !== exceptId),
    placeholderData: keepPreviousData,
  });
}
