import { useCallback, useEffect, useState } from "react";

/** The open customer lives in the URL (?customer=<id>), so a reload or a link reopens it. */
export function useSelectedCustomer(): [string | null, (id: string) => void] {
  const read = () => new URLSearchParams(window.location.search).get("customer");
  const [selected, setSelected] = useState<string | null>(read);
  useEffect(() => {
    const onPop = () => setSelected(read());
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, []);
  const select = useCallback((id: string) => {
    const url = new URL(window.location.href);
    url.searchParams.set("customer", id);
    window.history.pushState(null, "", url);
    setSelected(id);
  }, []);
  return [selected, select];
}
