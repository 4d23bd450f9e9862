/** Loyalty: programs, a customer's enrolments, adjustments and ledgers. Keys start with
 * ["loyalty", <customer id>] so a loyalty (or billing: earning) event about a customer
 * refreshes only that customer's section (features/live). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Enrolment = Schemas["EnrolmentOut"];
export type Program = Schemas["ProgramOut"];
export type Entry = Schemas["EntryOut"];

export function usePrograms() {
  return useQuery({
    queryKey: ["loyalty", "programs"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/loyalty/programs", { params: { query: { limit: 100 } }, signal })),
    staleTime: 60_000,
  });
}

export function useEnrolments(customerId: string) {
  return useQuery({
    queryKey: ["loyalty", customerId, "enrolments"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/customers/{customer_id}/loyalty", { params: { path: { customer_id: customerId }, query: { limit: 50 } }, signal })),
  });
}

export function useLedger(customerId: string, enrolmentId: string, enabled: boolean) {
  return useQuery({
    queryKey: ["loyalty", customerId, "ledger", enrolmentId],
    enabled,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/loyalty/enrolments/{enrolment_id}/ledger", {
          params: { path: { enrolment_id: enrolmentId }, query: { limit: 50 } },
          signal,
        }),
      ),
  });
}

export function useEnrol(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["EnrolIn"]) =>
      unwrap(api.POST("/api/v1/customers/{customer_id}/loyalty", { params: { path: { customer_id: customerId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["loyalty", customerId] }),
  });
}

export function useAdjust(customerId: string, enrolmentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["AdjustmentIn"]) =>
      unwrap(api.POST("/api/v1/loyalty/enrolments/{enrolment_id}/adjustments", { params: { path: { enrolment_id: enrolmentId } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["loyalty", customerId] }),
  });
}
