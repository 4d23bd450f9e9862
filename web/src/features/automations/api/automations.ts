/** Automations (workflows), their runs, "Run automation" on a profile, and tasks. */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Automation = Schemas["AutomationOut"];
export type Run = Schemas["RunOut"];
export type Task = Schemas["TaskOut"];

export function useAutomations() {
  return useQuery({
    queryKey: ["automations", "list"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/automations", { params: { query: { limit: 200 } }, signal })),
  });
}

export function useRuns(automationId: string | null, customerId?: string) {
  return useQuery({
    queryKey: ["automations", "runs", automationId, customerId ?? ""],
    enabled: automationId !== null,
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/automations/{automation_id}/runs", {
          params: { path: { automation_id: automationId ?? "" }, query: { limit: 50, ...(customerId ? { customer_id: customerId } : {}) } },
          signal,
        }),
      ),
  });
}

export function useSaveAutomation() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string | null; body: Schemas["AutomationIn"] }) =>
      id
        ? unwrap(api.PATCH("/api/v1/automations/{automation_id}", { params: { path: { automation_id: id } }, body }))
        : unwrap(api.POST("/api/v1/automations", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automations"] }),
  });
}

export function useSetEnabled() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      enabled
        ? unwrap(api.POST("/api/v1/automations/{automation_id}/enable", { params: { path: { automation_id: id } } }))
        : unwrap(api.POST("/api/v1/automations/{automation_id}/disable", { params: { path: { automation_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["automations"] }),
  });
}

/** "Run automation" on a profile: one idempotency key per click, so a retry runs it once. */
export function useRunAutomation(customerId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ automationId, idempotencyKey }: { automationId: string; idempotencyKey: string }) =>
      unwrap(
        api.POST("/api/v1/customers/{customer_id}/automations/{automation_id}/run", {
          params: { path: { customer_id: customerId, automation_id: automationId }, header: { "idempotency-key": idempotencyKey } },
        }),
      ),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ["automations"] });
      void queryClient.invalidateQueries({ queryKey: ["tasks"] });
    },
  });
}

export type TaskFilter = { status?: "open" | "done" | "cancelled"; customerId?: string };

export function useTasks({ status, customerId }: TaskFilter) {
  return useQuery({
    queryKey: ["tasks", customerId ?? "all", status ?? "any"],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/tasks", {
          params: { query: { limit: 100, ...(status ? { status: [status] } : {}), ...(customerId ? { customer_id: customerId } : {}) } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useCreateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["TaskIn"]) => unwrap(api.POST("/api/v1/tasks", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tasks"] }),
  });
}

export function useUpdateTask() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: Schemas["TaskPatch"] }) =>
      unwrap(api.PATCH("/api/v1/tasks/{task_id}", { params: { path: { task_id: id } }, body: patch })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["tasks"] }),
  });
}
