import { useState } from "react";
import type { Schemas } from "@/lib/api/client";
import { ApiError, fieldErrorsByInput } from "@/lib/api/problem";
import { useReloadCustomer, useUpdateCustomer, type VersionedCustomer } from "../api/profile";
import { changesBetween, type Change } from "../conflict";

export interface SaveState {
  fieldErrors: Record<string, string>;
  formError: string | null;
  /** Set after a 412: what changed on the server since the form started. */
  conflict: Change[] | null;
}

const CLEAN: SaveState = { fieldErrors: {}, formError: null, conflict: null };

/**
 * Saves a patch against the version the form started from. A 422 maps the server's field
 * errors onto the inputs; a 412 reloads the customer and reports what someone else changed,
 * leaving the draft in place to be saved again.
 */
export function useSaveCustomer(id: string, inputs: readonly string[]) {
  const update = useUpdateCustomer(id);
  const reload = useReloadCustomer(id);
  const [state, setState] = useState<SaveState>(CLEAN);

  /** Resolves to "saved", "failed" or, after a 412, the server's current version. */
  async function save(
    patch: Schemas["CustomerPatch"],
    base: VersionedCustomer,
  ): Promise<"saved" | "failed" | { conflict: VersionedCustomer }> {
    setState(CLEAN);
    try {
      await update.mutateAsync({ patch, etag: base.etag });
      return "saved";
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const fresh = await reload();
        const changes = changesBetween(base.customer, fresh.customer);
        setState({ ...CLEAN, conflict: changes });
        return { conflict: fresh };
      }
      if (error instanceof ApiError && error.fieldErrors.length > 0) {
        const { byInput, unmatched } = fieldErrorsByInput(error.fieldErrors, inputs);
        setState({
          ...CLEAN,
          fieldErrors: byInput,
          formError: unmatched.length ? unmatched.map((e) => `${e.field}: ${e.message}`).join("; ") : null,
        });
        return "failed";
      }
      setState({ ...CLEAN, formError: error instanceof Error ? error.message : "Saving failed." });
      return "failed";
    }
  }

  return { save, saving: update.isPending, ...state, reset: () => setState(CLEAN) };
}
