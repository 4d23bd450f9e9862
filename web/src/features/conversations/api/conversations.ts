import { useQueries, useQuery } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { ApiError, toApiError } from "@/lib/api/problem";

export type Message = Schemas["MessageOut"];
export type MessageSentiment = Schemas["MessageSentimentOut"];

export function useCustomerConversations(customerId: string) {
  return useQuery({
    queryKey: ["conversations", "customer", customerId],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/conversations", { params: { query: { customer_id: customerId, limit: 20 } }, signal })),
  });
}

async function readConversation(id: string, signal?: AbortSignal) {
  return unwrap(
    api.GET("/api/v1/conversations/{conversation_id}", {
      params: { path: { conversation_id: id }, query: { message_limit: 100 } },
      signal,
    }),
  );
}

export function useConversationMessages(ids: string[]) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ["conversations", "detail", id],
      queryFn: ({ signal }: { signal: AbortSignal }) => readConversation(id, signal),
    })),
  });
}

/** A message's score; null while the sentiment service has not scored it yet (404). */
async function readMessageSentiment(id: string, signal?: AbortSignal): Promise<MessageSentiment | null> {
  const { data, error, response } = await api.GET("/api/v1/sentiment/messages/{message_id}", {
    params: { path: { message_id: id } },
    signal,
  });
  if (response.status === 404) return null;
  if (!response.ok || !data) throw toApiError(response.status, error);
  return data;
}

export function useMessageSentiments(ids: string[]) {
  return useQueries({
    queries: ids.map((id) => ({
      queryKey: ["sentiment", "message", id],
      queryFn: ({ signal }: { signal: AbortSignal }) => readMessageSentiment(id, signal),
      retry: (count: number, error: Error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    })),
  });
}
