import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type CustomerSentiment = Schemas["CustomerSentimentOut"];

export const sentimentKey = (id: string) => ["sentiment", "customer", id] as const;

export function useCustomerSentiment(id: string) {
  return useQuery({
    queryKey: sentimentKey(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/sentiment/customers/{customer_id}", { params: { path: { customer_id: id } }, signal })),
  });
}

function useOverrideMutation<T>(id: string, call: (body: T) => Promise<CustomerSentiment>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (fresh) => {
      queryClient.setQueryData(sentimentKey(id), fresh);
      void queryClient.invalidateQueries({ queryKey: ["customers"] });
    },
  });
}

export function useSetOverride(id: string) {
  return useOverrideMutation(id, (body: Schemas["OverrideIn"]) =>
    unwrap(api.PUT("/api/v1/sentiment/customers/{customer_id}/override", { params: { path: { customer_id: id } }, body })),
  );
}

export function useClearOverride(id: string) {
  return useOverrideMutation(id, () =>
    unwrap(api.DELETE("/api/v1/sentiment/customers/{customer_id}/override", { params: { path: { customer_id: id } } })),
  );
}
