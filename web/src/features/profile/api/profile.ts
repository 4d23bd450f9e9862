import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { toApiError } from "@/lib/api/problem";

export type Customer = Schemas["CustomerOut"];

export interface VersionedCustomer {
  customer: Customer;
  /** The ETag of this version: sent as If-Match so a concurrent edit answers 412. */
  etag: string;
}

export const customerKey = (id: string) => ["customers", "detail", id] as const;

async function readCustomer(id: string, signal?: AbortSignal): Promise<VersionedCustomer> {
  const { data, error, response } = await api.GET("/api/v1/customers/{customer_id}", {
    params: { path: { customer_id: id } },
    signal,
  });
  if (!response.ok || !data) throw toApiError(response.status, error);
  return { customer: data, etag: response.headers.get("ETag") ?? `W/"${data.version}"` };
}

export function useCustomer(id: string) {
  return useQuery({ queryKey: customerKey(id), queryFn: ({ signal }) => readCustomer(id, signal) });
}

export function useUpdateCustomer(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ patch, etag }: { patch: Schemas["CustomerPatch"]; etag: string }) => {
      const { data, error, response } = await api.PATCH("/api/v1/customers/{customer_id}", {
        params: { path: { customer_id: id }, header: { "if-match": etag } },
        body: patch,
      });
      if (!response.ok || !data) throw toApiError(response.status, error);
      return { customer: data, etag: response.headers.get("ETag") ?? `W/"${data.version}"` };
    },
    onSuccess: (fresh) => {
      queryClient.setQueryData(customerKey(id), fresh);
      void queryClient.invalidateQueries({ queryKey: ["customers", "list"] });
      void queryClient.invalidateQueries({ queryKey: ["customers", "stats"] });
      void queryClient.invalidateQueries({ queryKey: ["timeline", id] });
    },
  });
}

/** Reads the customer again (after a 412) and returns the server's current version. */
export function useReloadCustomer(id: string) {
  const queryClient = useQueryClient();
  return () => queryClient.fetchQuery({ queryKey: customerKey(id), queryFn: () => readCustomer(id), staleTime: 0 });
}

export function useChangeTags(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: Schemas["TagsChange"]) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/tags", { params: { path: { customer_id: id } }, body: change })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["customers"] }),
  });
}

export function useNotes(id: string) {
  return useQuery({
    queryKey: ["notes", id],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/customers/{customer_id}/notes", { params: { path: { customer_id: id } }, signal })),
  });
}

export function useAddNote(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["NoteIn"]) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/notes", { params: { path: { customer_id: id } }, body })),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["notes", id] });
      void queryClient.invalidateQueries({ queryKey: ["timeline", id] });
    },
  });
}

export function useTimeline(id: string) {
  return useInfiniteQuery({
    queryKey: ["timeline", id],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET("/api/v1/customers/{customer_id}/timeline", {
          params: { path: { customer_id: id }, query: { limit: 20, cursor: pageParam } },
          signal,
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useCustomFieldDefinitions() {
  return useQuery({
    queryKey: ["custom-fields"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/custom-fields", { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useCustomerNames(ids: string[]) {
  return useQuery({
    queryKey: ["customers", "names", ids],
    enabled: ids.length > 0,
    queryFn: async () =>
      Object.fromEntries(
        await Promise.all(
          ids.map(async (id) => {
            const c = await readCustomer(id).catch(() => null);
            return [id, c ? `${c.customer.first_name} ${c.customer.last_name}`.trim() : "(unavailable)"] as const;
          }),
        ),
      ),
  });
}
