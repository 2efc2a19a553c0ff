// Messages: errors are announced (role=alert) and always say what went wrong, never a blank area.

import type { ReactNode } from "react";
import { errorMessage } from "../api/http.ts";

export function ErrorNotice({
  error,
  title,
  onRetry,
  stale = false,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  /** What is shown below was loaded before this error: say so, so it is not read as current. */
  stale?: boolean;
}) {
  if (error === undefined || error === null) return null;
  return (
    <div className="notice notice-error" role="alert">
      {title && <strong>{title}: </strong>}
      <span>{errorMessage(error)}</span>
      {stale && <span> (showing what was loaded before: it may be out of date)</span>}
      {/* A space, so the message and "Try again" never read as one word ("ECONNREFUSEDTry again"). */}
      {onRetry && " "}
      {onRetry && (
        <button type="button" className="link-button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Notice({ tone = "info", children }: { tone?: "info" | "ok" | "warn"; children: ReactNode }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
