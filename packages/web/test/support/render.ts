// Renders one of the dashboard's components to HTML in Node, as the browser's first paint would
// show it (no effects run). The component's .tsx module is loaded by path at run time: Vitest
// compiles JSX, while the repository's tsconfig type-checks tests without it. React is loaded by a
// name the type checker does not follow, for the same reason: its types declare empty DOM
// interfaces for the whole program when the DOM lib is absent, and the browser tests' HTMLElement
// would lose parentElement.

const REACT = "react";
const REACT_DOM_SERVER = "react-dom/server";

/** `module`: the path from packages/web/app, e.g. "pages/jobs/job-table.tsx". */
export async function renderComponent(module: string, name: string, props: object): Promise<string> {
  const { createElement } = (await import(REACT)) as { createElement(type: unknown, props: object): unknown };
  const { renderToStaticMarkup } = (await import(REACT_DOM_SERVER)) as {
    renderToStaticMarkup(element: unknown): string;
  };
  const loaded = (await import(new URL(`../../app/${module}`, import.meta.url).href)) as Record<string, unknown>;
  const component = loaded[name];
  if (typeof component !== "function") throw new Error(`${module} exports no component ${name}`);
  return renderToStaticMarkup(createElement(component, props));
}
