// The last line against a blank page: a render error anywhere below shows what broke and a way on.

import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error("dashboard page failed", error, info.componentStack);
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    // Moving to another page clears the failure of the previous one.
    if (this.state.error && previous.resetKey !== this.props.resetKey) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="notice notice-error" role="alert">
        <h2>This page failed to show</h2>
        <p>{this.state.error.message}</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>{" "}
        <button type="button" onClick={() => window.location.reload()}>
          Reload the dashboard
        </button>
      </div>
    );
  }
}
