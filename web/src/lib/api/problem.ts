/** RFC 9457 problem responses from the gateway, turned into errors the screens can show. */

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly fieldErrors: FieldError[];

  constructor(status: number, title: string, detail: string, fieldErrors: FieldError[] = []) {
    super(detail || title);
    this.name = "ApiError";
    this.status = status;
    this.title = title;
    this.fieldErrors = fieldErrors;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Builds an ApiError from whatever the server answered (problem+json, plain JSON or text). */
export function toApiError(status: number, body: unknown): ApiError {
  if (!isRecord(body)) {
    return new ApiError(status, `Request failed (${status})`, typeof body === "string" ? body : "");
  }
  const title = typeof body.title === "string" ? body.title : `Request failed (${status})`;
  const detail = typeof body.detail === "string" ? body.detail : "";
  const errors = Array.isArray(body.errors) ? body.errors : [];
  const fieldErrors = errors.flatMap((e): FieldError[] =>
    isRecord(e) && typeof e.field === "string" && typeof e.message === "string"
      ? [{ field: e.field, message: e.message }]
      : [],
  );
  return new ApiError(status, title, detail, fieldErrors);
}

/**
 * Maps the server's field paths onto the form's inputs: `phones[0].number` and `phones` both
 * belong to the input named `phones`; `body.` prefixes are dropped. The first message wins.
 */
export function fieldErrorsByInput(errors: FieldError[], inputs: readonly string[]): {
  byInput: Record<string, string>;
  unmatched: FieldError[];
} {
  const byInput: Record<string, string> = {};
  const unmatched: FieldError[] = [];
  for (const error of errors) {
    const path = error.field.replace(/^body\./, "");
    const root = path.split(/[.[]/)[0] ?? path;
    const input = inputs.find((name) => name === path || name === root);
    if (input === undefined) unmatched.push(error);
    else byInput[input] ??= error.message;
  }
  return { byInput, unmatched };
}
