import type { Schemas } from "@/lib/api/client";
import type { ListQuery } from "@/features/customers/filters";

/** The list's query as an export's filter: the same customers, in the order shown. */
export function toExportFilter(query: ListQuery): Schemas["ExportFilter"] {
  return {
    q: query.q ?? "",
    segment: query.segment === "all" ? "" : (query.segment ?? ""),
    sort: query.sort ?? "",
    stage: query.stage ?? "",
    tag: query.tag ?? "",
    folder: query.folder ?? "",
    channel: query.channel ?? "",
    sentiment: query.sentiment ?? "",
    min_ltv: query.min_ltv ?? null,
    min_conversations: query.min_conversations ?? null,
    last_contact_within_days: query.last_contact_within_days ?? null,
  };
}
