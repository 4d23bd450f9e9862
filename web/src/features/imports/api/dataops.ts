/** Data operations: customer imports (upload → mapping and preview → run → progress → error
 * report) and exports (format + the list's filter → a file). */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, type Schemas } from "@/lib/api/client";
import { toApiError } from "@/lib/api/problem";

export type Import = Schemas["ImportOut"];
export type Export = Schemas["ExportOut"];

const RUNNING_IMPORT = new Set<Import["status"]>(["uploading", "queued", "running"]);
const RUNNING_EXPORT = new Set<Export["status"]>(["queued", "running"]);

export function useUploadImport() {
  return useMutation({
    mutationFn: ({ file, defaultCountry }: { file: File; defaultCountry: string }) =>
      unwrap(
        api.POST("/api/v1/imports", {
          body: { file: file as unknown as string, default_country: defaultCountry },
          bodySerializer: (body) => {
            const form = new FormData();
            form.append("file", file, file.name);
            form.append("default_country", body.default_country ?? "");
            return form;
          },
        }),
      ),
  });
}

/** The import as it runs: re-read every second while it is queued or running (its progress
 * events on the live stream refresh it too). */
export function useImport(id: string | null) {
  return useQuery({
    queryKey: ["imports", id],
    enabled: id !== null,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/imports/{import_id}", { params: { path: { import_id: id ?? "" } }, signal })),
    refetchInterval: (query) => (query.state.data && RUNNING_IMPORT.has(query.state.data.status) ? 1_000 : false),
  });
}

export function useRunImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: Schemas["ImportRun"] }) =>
      unwrap(api.POST("/api/v1/imports/{import_id}/run", { params: { path: { import_id: id } }, body })),
    onSuccess: (started) => queryClient.setQueryData(["imports", started.id], started),
  });
}

/** The rejected rows as a CSV, fetched with the credential and handed to the browser. */
export async function downloadImportErrors(id: string): Promise<void> {
  const { data, error, response } = await api.GET("/api/v1/imports/{import_id}/errors", {
    params: { path: { import_id: id } },
    parseAs: "blob",
  });
  if (!response.ok || !data) throw toApiError(response.status, error);
  saveBlob(data, `import-${id}-errors.csv`);
}

export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function useCreateExport() {
  return useMutation({
    mutationFn: (body: Schemas["ExportIn"]) => unwrap(api.POST("/api/v1/exports", { body })),
  });
}

export function useExport(id: string | null) {
  return useQuery({
    queryKey: ["exports", id],
    enabled: id !== null,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/exports/{export_id}", { params: { path: { export_id: id ?? "" } }, signal })),
    refetchInterval: (query) => (query.state.data && RUNNING_EXPORT.has(query.state.data.status) ? 1_000 : false),
  });
}
