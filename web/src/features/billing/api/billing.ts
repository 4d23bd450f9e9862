/** Billing: the tenant's currency, services, staff, a customer's bookings, invoices, payments
 * and value. Keys start with ["billing", <customer id>] so a billing event about a customer
 * refreshes only that customer's sections (features/live). */
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";

export type Booking = Schemas["BookingOut"];
export type Invoice = Schemas["InvoiceOut"];
export type Payment = Schemas["PaymentOut"];
export type Service = Schemas["ServiceOut"];
export type StaffMember = Schemas["StaffOut"];

export function useBillingSettings() {
  return useQuery({
    queryKey: ["billing", "settings"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/settings/billing", { signal })),
    staleTime: 5 * 60_000,
  });
}

export function useServices() {
  return useQuery({
    queryKey: ["billing", "services"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/services", { signal })),
    staleTime: 60_000,
  });
}

export function useStaff() {
  return useQuery({
    queryKey: ["billing", "staff"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/staff", { signal })),
    staleTime: 60_000,
  });
}

export function useCustomerBookings(customerId: string) {
  return useQuery({
    queryKey: ["billing", customerId, "bookings"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/bookings", { params: { query: { customer_id: customerId, limit: 100 } }, signal })),
  });
}

/** Every booking starting in [from, to): the calendar. */
export function useBookingsBetween(from: Date, to: Date) {
  return useQuery({
    queryKey: ["billing", "calendar", from.toISOString(), to.toISOString()],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET("/api/v1/bookings", {
          params: { query: { from: from.toISOString(), to: to.toISOString(), limit: 200 } },
          signal,
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function useInvoices(customerId: string) {
  return useQuery({
    queryKey: ["billing", customerId, "invoices"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/invoices", { params: { query: { customer_id: customerId, limit: 50 } }, signal })),
  });
}

export function usePayments(customerId: string) {
  return useQuery({
    queryKey: ["billing", customerId, "payments"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/payments", { params: { query: { customer_id: customerId, limit: 50 } }, signal })),
  });
}

export function useCustomerValue(customerId: string) {
  return useQuery({
    queryKey: ["billing", customerId, "value"],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/customers/{customer_id}/value", { params: { path: { customer_id: customerId } }, signal })),
  });
}

/** After a billing write: the customer's billing sections, the calendar, and the figures the
 * customer service derives from billing's events (LTV on the list and the summary cards). */
function useRefreshAfterWrite(customerId: string) {
  const queryClient = useQueryClient();
  return () => {
    void queryClient.invalidateQueries({ queryKey: ["billing", customerId] });
    void queryClient.invalidateQueries({ queryKey: ["billing", "calendar"] });
    void queryClient.invalidateQueries({ queryKey: ["customers"] });
    void queryClient.invalidateQueries({ queryKey: ["timeline", customerId] });
  };
}

export function useCreateBooking(customerId: string) {
  const refresh = useRefreshAfterWrite(customerId);
  return useMutation({
    mutationFn: (body: Schemas["BookingIn"]) => unwrap(api.POST("/api/v1/bookings", { body })),
    onSuccess: refresh,
  });
}

export type BookingAction = "confirm" | "complete" | "cancel" | "no-show";

export function useBookingAction(customerId: string) {
  const refresh = useRefreshAfterWrite(customerId);
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: BookingAction }) => {
      const params = { params: { path: { booking_id: id } } };
      if (action === "confirm") return unwrap(api.POST("/api/v1/bookings/{booking_id}/confirm", params));
      if (action === "complete") return unwrap(api.POST("/api/v1/bookings/{booking_id}/complete", params));
      if (action === "no-show") return unwrap(api.POST("/api/v1/bookings/{booking_id}/no-show", params));
      return unwrap(api.POST("/api/v1/bookings/{booking_id}/cancel", { ...params, body: { reason: "" } }));
    },
    onSuccess: refresh,
  });
}

export function useRecordPayment(customerId: string) {
  const refresh = useRefreshAfterWrite(customerId);
  return useMutation({
    mutationFn: ({ body, idempotencyKey }: { body: Schemas["PaymentIn"]; idempotencyKey: string }) =>
      unwrap(api.POST("/api/v1/payments", { params: { header: { "idempotency-key": idempotencyKey } }, body })),
    onSuccess: refresh,
  });
}

export function useRefundPayment(customerId: string) {
  const refresh = useRefreshAfterWrite(customerId);
  return useMutation({
    mutationFn: ({ id, body, idempotencyKey }: { id: string; body: Schemas["RefundIn"]; idempotencyKey: string }) =>
      unwrap(
        api.POST("/api/v1/payments/{payment_id}/refund", {
          params: { path: { payment_id: id }, header: { "idempotency-key": idempotencyKey } },
          body,
        }),
      ),
    onSuccess: refresh,
  });
}
