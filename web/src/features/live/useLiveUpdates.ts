/**
 * Live updates: the gateway's event stream (GET /api/v1/events, server-sent events) marks the
 * cached queries an event touches as stale, so the open list and profile refetch within
 * seconds. Where the gateway has no stream, or it drops, the same queries are refreshed every
 * POLL_MS instead, and the stream is tried again later.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { paths } from "@/lib/api/schema";
import { SseParser, staleKeys } from "./sse";

// Whether the gateway this build is served by has the stream, from its OpenAPI document: the
// type check fails when the generated schema and this constant disagree, so a gateway that
// gains the stream cannot be left polling (and one without it is never probed).
type StreamDeclared = "/api/v1/events" extends keyof paths ? true : false;
export const GATEWAY_HAS_EVENT_STREAM: StreamDeclared = true;

export const POLL_MS = 5_000;
const RETRY_MS = 30_000;
const LIVE_KEYS = [["customers"], ["conversations"], ["sentiment"], ["timeline"]];

export type LiveMode = "connecting" | "stream" | "polling";

export function useLiveUpdates(accessToken: () => Promise<string | null>): LiveMode {
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<LiveMode>(GATEWAY_HAS_EVENT_STREAM ? "connecting" : "polling");

  useEffect(() => {
    let stopped = false;
    let controller: AbortController | null = null;
    let poller: number | null = null;
    let retry: number | null = null;

    const refreshAll = () => LIVE_KEYS.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
    const startPolling = () => {
      setMode("polling");
      poller ??= window.setInterval(refreshAll, POLL_MS);
      retry = window.setTimeout(connect, RETRY_MS);
    };
    const stopPolling = () => {
      if (poller !== null) window.clearInterval(poller);
      poller = null;
    };

    async function connect() {
      if (stopped) return;
      controller = new AbortController();
      try {
        const token = await accessToken();
        const response = await fetch("/api/v1/events", {
          headers: { Accept: "text/event-stream", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          signal: controller.signal,
        });
        const type = response.headers.get("content-type") ?? "";
        if (!response.ok || !response.body || !type.includes("text/event-stream")) {
          void response.body?.cancel();
          startPolling();
          return;
        }
        stopPolling();
        setMode("stream");
        refreshAll(); // whatever happened while disconnected
        const parser = new SseParser();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const event of parser.push(value)) {
            staleKeys(event).forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
          }
        }
        if (!stopped) startPolling();
      } catch {
        if (!stopped) startPolling();
      }
    }

    if (GATEWAY_HAS_EVENT_STREAM) void connect();
    else poller = window.setInterval(refreshAll, POLL_MS);
    return () => {
      stopped = true;
      controller?.abort();
      stopPolling();
      if (retry !== null) window.clearTimeout(retry);
    };
  }, [queryClient, accessToken]);

  return mode;
}
