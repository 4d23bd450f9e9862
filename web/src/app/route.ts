/** Where the workspace is, in the URL so a reload or a link lands there again:
 * `?view=bookings|automations|tasks|duplicates` (the customers view has none) and `?customer=<id>`. */
export const VIEWS = ["customers", "bookings", "automations", "tasks", "duplicates"] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  view: View;
  customer: string | null;
}

export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const view = params.get("view");
  return { view: (VIEWS as readonly string[]).includes(view ?? "") ? (view as View) : "customers", customer: params.get("customer") };
}

export function routeUrl(current: string, next: Partial<Route>): string {
  const url = new URL(current);
  if (next.view !== undefined) {
    if (next.view === "customers") url.searchParams.delete("view");
    else url.searchParams.set("view", next.view);
  }
  if (next.customer !== undefined) {
    if (next.customer) url.searchParams.set("customer", next.customer);
    else url.searchParams.delete("customer");
  }
  return url.toString();
}
