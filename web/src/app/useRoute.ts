import { useCallback, useEffect, useState } from "react";
import { parseRoute, routeUrl, type Route } from "./route";

/** The view and the open customer, kept in the URL (history entries, back/forward work). */
export function useRoute(): [Route, (next: Partial<Route>) => void] {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.search));
  useEffect(() => {
    const onPop = () => setRoute(parseRoute(window.location.search));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const go = useCallback((next: Partial<Route>) => {
    const url = routeUrl(window.location.href, next);
    if (url !== window.location.href) window.history.pushState(null, "", url);
    setRoute(parseRoute(new URL(url).search));
  }, []);
  return [route, go];
}
