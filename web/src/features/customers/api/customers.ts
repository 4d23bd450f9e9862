import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import type { ListQuery } from "../filters";

export const PAGE_SIZE = 50;

export function useCustomerList(query: ListQuery) {
  return useInfiniteQuery({
    queryKey: ["customers", "list", query],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/v1/customers", {
          params: { query: { ...query, limit: PAGE_SIZE, cursor: pageParam } },
          signal,
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

export function useCustomerStats() {
  return useQuery({
    queryKey: ["customers", "stats"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/customers/stats", { signal })),
  });
}

export function useCreateCustomer() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CustomerCreate"]) =>
      unwrap(api.POST("/api/v1/customers", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["customers"] }),
  });
}
