/**
 * Live updates: every event of the gateway's stream (GET /api/v1/events) marks the cached
 * queries it touches as stale, so the open list, summary cards and profile refetch within a
 * second — no polling. Invalidations are gathered for FLUSH_MS so a burst of events (an import,
 * a busy inbox) refetches each query once.
 */
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { derivedLater, invalidations, platformEvent } from "./sse";
import { LiveStream, type LiveState } from "./stream";

export const FLUSH_MS = 250;
/** When the figures the customer service derives are looked at again (features/live/sse.ts). */
export const FOLLOW_UP_MS = [1_500, 5_000, 15_000];
const EVERYTHING = [["customers"], ["conversations"], ["sentiment"], ["timeline"], ["notes"], ["billing"], ["loyalty"], ["automations"], ["tasks"]];

export interface Credentials {
  accessToken: () => Promise<string | null>;
  refresh: () => Promise<unknown>;
}

export function useLiveUpdates(credentials: Credentials): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>("connecting");

  useEffect(() => {
    // One batch per delay: keys gathered until it fires, each query refetched once.
    const batches = new Map<number, { keys: Map<string, readonly string[]>; timer: number }>();
    const invalidate = (keys: readonly (readonly string[])[], delay = FLUSH_MS) => {
      if (keys.length === 0) return;
      let batch = batches.get(delay);
      if (!batch) {
        const created = { keys: new Map<string, readonly string[]>(), timer: 0 };
        created.timer = window.setTimeout(() => {
          batches.delete(delay);
          created.keys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
        }, delay);
        batches.set(delay, created);
        batch = created;
      }
      for (const key of keys) batch.keys.set(JSON.stringify(key), key);
    };
    const stream = new LiveStream({
      accessToken: () => credentials.accessToken(),
      onUnauthorized: () => credentials.refresh(),
      onEvent: (event) => {
        const parsed = platformEvent(event);
        invalidate(invalidations(parsed));
        const later = derivedLater(parsed);
        FOLLOW_UP_MS.forEach((delay) => invalidate(later, delay));
      },
      onState: setState,
      onResync: () => invalidate(EVERYTHING),
    });
    stream.start();
    return () => {
      stream.stop();
      batches.forEach((batch) => window.clearTimeout(batch.timer));
    };
  }, [queryClient, credentials]);

  return state;
}
