/** The list's filters and how they become the gateway's query parameters. */
import type { paths } from "@/lib/api/schema";

export type ListQuery = NonNullable<paths["/api/v1/customers"]["get"]["parameters"]["query"]>;

export const SEGMENTS = [
  { value: "all", label: "All" },
  { value: "vip", label: "VIP" },
  { value: "high_value", label: "High Value" },
  { value: "at_risk", label: "At Risk" },
  { value: "recent", label: "Recent" },
  { value: "inactive", label: "Inactive" },
  { value: "happy", label: "Happy" },
  { value: "problem", label: "Problem" },
] as const;

export const SORTS = [
  { value: "recent", label: "Most recent" },
  { value: "name", label: "Name (A–Z)" },
  { value: "conversations", label: "Most conversations" },
  { value: "ltv", label: "Highest lifetime value" },
  { value: "last_interaction", label: "Last interaction" },
];

export const STAGES = ["prospect", "lead", "customer", "repeat", "vip", "at_risk", "churned"];
export const CHANNELS = ["phone", "sms", "whatsapp", "email", "webchat"];
export const SENTIMENTS = ["Happy", "Neutral", "Frustrated"];

/** The server refuses shorter searches (they would scan every customer). */
export const MIN_SEARCH_LENGTH = 3;

export interface Filters {
  q: string;
  segment: string;
  sort: string;
  stage: string;
  tag: string;
  folder: string;
  channel: string;
  sentiment: string;
  /** Major units of the tenant's currency, as typed. */
  minLtv: number | null;
  minConversations: number | null;
  lastContactWithinDays: number | null;
}

export const DEFAULT_FILTERS: Filters = {
  q: "",
  segment: "all",
  sort: "recent",
  stage: "",
  tag: "",
  folder: "",
  channel: "",
  sentiment: "",
  minLtv: null,
  minConversations: null,
  lastContactWithinDays: null,
};

/** True when the search box holds something the server would refuse. */
export function searchTooShort(q: string): boolean {
  const length = q.trim().length;
  return length > 0 && length < MIN_SEARCH_LENGTH;
}

/** Query parameters for one page: empty filters are left out, money goes to minor units. */
export function listQuery(filters: Filters, minorDigits = 2): ListQuery {
  const query: ListQuery = { segment: filters.segment, sort: filters.sort };
  const q = filters.q.trim();
  if (q.length >= MIN_SEARCH_LENGTH) query.q = q;
  for (const key of ["stage", "tag", "folder", "channel", "sentiment"] as const) {
    const value = filters[key].trim();
    if (value) query[key] = value;
  }
  if (filters.minLtv !== null && filters.minLtv >= 0) {
    query.min_ltv = Math.round(filters.minLtv * 10 ** minorDigits);
  }
  if (filters.minConversations !== null && filters.minConversations >= 0) {
    query.min_conversations = filters.minConversations;
  }
  if (filters.lastContactWithinDays !== null && filters.lastContactWithinDays >= 0) {
    query.last_contact_within_days = filters.lastContactWithinDays;
  }
  return query;
}

/** How many advanced filters are set (shown on the Filters button). */
export function advancedFilterCount(filters: Filters): number {
  const set = [filters.stage, filters.tag, filters.folder, filters.channel, filters.sentiment]
    .filter((value) => value.trim() !== "").length;
  return (
    set +
    [filters.minLtv, filters.minConversations, filters.lastContactWithinDays].filter((v) => v !== null)
      .length
  );
}

/** The list's filter in words, for what an export or a bulk action will reach. */
export function describeFilters(filters: Filters): string {
  const parts: string[] = [];
  const segment = SEGMENTS.find((s) => s.value === filters.segment);
  if (segment && segment.value !== "all") parts.push(segment.label);
  const q = filters.q.trim();
  if (q.length >= MIN_SEARCH_LENGTH) parts.push(`search “${q}”`);
  const set = advancedFilterCount(filters);
  if (set) parts.push(`${set} filter${set > 1 ? "s" : ""}`);
  return parts.length ? `the customers shown (${parts.join(", ")})` : "every customer";
}
