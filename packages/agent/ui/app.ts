// The agent's test console: a tab per component endpoint, the conversation history, the playbook,
// health and capabilities; every answer with its status and execution time. Plain DOM, no build:
// the server strips the types of this file and serves it as JavaScript.

import { afterEachCall, apiBase, type CallResult, call, storedKey, storeKey } from "./api-client.ts";

interface ComponentTab {
  name: string;
  label: string;
  hint: string;
}

const COMPONENT_TABS: ComponentTab[] = [
  { name: "complete", label: "Complete", hint: "Answers the task; JSON answer with a notebook." },
  { name: "feedback", label: "Feedback", hint: "Strengths, weaknesses and suggestions for the previous outputs." },
  { name: "refine", label: "Refine", hint: "Improves the previous outputs." },
  { name: "human_feedback", label: "Human feedback", hint: "Your feedback becomes playbook insights." },
  { name: "summary", label: "Summary", hint: "Summarises the previous outputs." },
  { name: "aggregate", label: "Aggregate", hint: "Majority vote over the previous outputs." },
  { name: "internet_search", label: "Internet search", hint: "Searches the web for each query." },
];

const CID_STORAGE = "pithead-agent-cid";

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

const pretty = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value, null, 2));

function newCid(): string {
  return `ui-${crypto.randomUUID().slice(0, 8)}`;
}

function currentCid(): string {
  let cid = sessionStorage.getItem(CID_STORAGE);
  if (!cid) {
    cid = newCid();
    sessionStorage.setItem(CID_STORAGE, cid);
  }
  return cid;
}

/** Keeps every cid field on the page in step. */
function setCid(cid: string): void {
  sessionStorage.setItem(CID_STORAGE, cid);
  for (const input of document.querySelectorAll<HTMLInputElement>("input[data-cid]")) input.value = cid;
}

function cidField(): HTMLLabelElement {
  const input = element("input", { type: "text", "data-cid": "", "data-testid": "cid", maxlength: "100" });
  input.value = currentCid();
  input.addEventListener("change", () => setCid(input.value.trim()));
  const fresh = element("button", { type: "button" }, "New conversation");
  fresh.addEventListener("click", () => setCid(newCid()));
  return element("label", {}, "Conversation ID (cid)", element("div", { class: "row" }, input, fresh));
}

/** A result panel: status, time, and the answer's fields (immediate_response and notebook first). */
function renderResult(target: HTMLElement, result: CallResult): void {
  const status = result.status === 0 ? "no answer" : `HTTP ${result.status}`;
  const parts: Node[] = [
    element(
      "div",
      { class: result.ok ? "status-ok" : "status-error", "data-testid": "status" },
      `${status} · ${result.elapsedMs.toFixed(0)} ms`,
    ),
  ];
  const body = result.body as { output?: { immediate_response?: unknown; notebook?: unknown } } | null;
  if (result.ok && body && typeof body === "object" && body.output) {
    parts.push(
      element("h3", {}, "Immediate response"),
      element("pre", { "data-testid": "immediate-response" }, pretty(body.output.immediate_response)),
      element("h3", {}, "Notebook"),
      element("pre", { "data-testid": "notebook" }, pretty(body.output.notebook)),
    );
  }
  parts.push(
    element("h3", {}, "Response body"),
    element("pre", { "data-testid": "response-body" }, pretty(result.body)),
  );
  target.replaceChildren(...parts);
}

/** The last successful component answer, offered as a previous output to the next call. */
let lastOutput: unknown;

function componentPanel(tab: ComponentTab): HTMLElement {
  const task = element("input", { type: "text", name: "task", maxlength: "1000", "data-testid": "task" });
  const queries = element("textarea", { name: "queries", rows: "4", "data-testid": "queries" });
  queries.placeholder = "One query; separate several with a line containing only ---";
  const previous = element("textarea", { name: "previous", rows: "4", "data-testid": "previous-outputs" });
  previous.value = "[]";
  const useLast = element("button", { type: "button" }, "Add last answer");
  useLast.addEventListener("click", () => {
    if (lastOutput === undefined) return;
    const list = JSON.parse(previous.value || "[]") as unknown[];
    list.push(lastOutput);
    previous.value = JSON.stringify(list, null, 2);
  });
  const history = element("input", { type: "checkbox", name: "history", checked: "" });
  const playbook = element("input", { type: "checkbox", name: "playbook", checked: "" });
  const send = element("button", { type: "submit", class: "primary", "data-testid": "send" }, `POST /${tab.name}`);
  const result = element("div", { class: "result", "data-testid": "result", hidden: "" });

  const form = element(
    "form",
    { class: "component" },
    element("p", { class: "muted" }, tab.hint),
    cidField(),
    element("label", {}, "Task", task),
    element("label", {}, "Input queries", queries),
    element("label", {}, "Previous outputs (JSON list)", previous, element("div", { class: "row" }, useLast)),
    element("div", { class: "row" }, element("label", { class: "inline" }, history, "use_conversation_history")),
    element("div", { class: "row" }, element("label", { class: "inline" }, playbook, "use_playbook")),
    element("div", { class: "row" }, send),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    result.hidden = false;
    let previousOutputs: unknown;
    try {
      previousOutputs = JSON.parse(previous.value || "[]");
    } catch (error) {
      result.replaceChildren(
        element("div", { class: "status-error" }, `Previous outputs are not JSON: ${String(error)}`),
      );
      return;
    }
    const input = queries.value
      .split(/^---$/m)
      .map((query) => query.trim())
      .filter((query) => query !== "")
      .map((user_query) => ({ user_query }));
    send.disabled = true;
    result.replaceChildren(element("div", { class: "muted" }, "Waiting for the answer…"));
    const answer = await call("POST", `/${tab.name}`, {
      cid: currentCid(),
      task: task.value,
      input,
      previous_outputs: previousOutputs,
      use_conversation_history: history.checked,
      use_playbook: playbook.checked,
    });
    send.disabled = false;
    if (answer.ok) lastOutput = answer.body;
    renderResult(result, answer);
  });
  return element("section", { id: `panel-${tab.name}`, role: "tabpanel" }, form, result);
}

function listPanel(
  id: string,
  title: string,
  actions: { label: string; run: () => Promise<CallResult> }[],
): HTMLElement {
  const result = element("div", { class: "result", hidden: "" });
  const buttons = actions.map(({ label, run }) => {
    const button = element("button", { type: "button" }, label);
    button.addEventListener("click", async () => {
      result.hidden = false;
      renderResult(result, await run());
    });
    return button;
  });
  return element(
    "section",
    { id: `panel-${id}`, role: "tabpanel" },
    element("h2", {}, title),
    cidField(),
    element("div", { class: "row" }, ...buttons),
    result,
  );
}

const cidPath = () => encodeURIComponent(currentCid());

function systemPanels(): { id: string; label: string; panel: HTMLElement }[] {
  return [
    {
      id: "conversation",
      label: "Conversation",
      panel: listPanel("conversation", "Conversation history", [
        { label: "This conversation", run: () => call("GET", `/conversations/${cidPath()}`) },
        { label: "All conversations", run: () => call("GET", "/conversations") },
        {
          label: "Delete this conversation",
          run: async () =>
            window.confirm(`Delete conversation ${currentCid()} and its playbook?`)
              ? call("DELETE", `/conversations/${cidPath()}`)
              : { ok: true, status: 0, body: "Cancelled", elapsedMs: 0 },
        },
      ]),
    },
    {
      id: "playbook",
      label: "Playbook",
      panel: listPanel("playbook", "Playbook", [
        { label: "Entries", run: () => call("GET", `/playbook/${cidPath()}`) },
        { label: "As the model sees it", run: () => call("GET", `/playbook/${cidPath()}/context`) },
      ]),
    },
    {
      id: "system",
      label: "System",
      panel: listPanel("system", "Health and capabilities", [
        { label: "Health", run: () => call("GET", "/health") },
        { label: "Capabilities", run: () => call("GET", "/capabilities") },
      ]),
    },
  ];
}

function selectTab(id: string): void {
  for (const button of document.querySelectorAll<HTMLButtonElement>("#tabs button")) {
    button.setAttribute("aria-selected", String(button.dataset.tab === id));
  }
  for (const panel of document.querySelectorAll<HTMLElement>("#panels > section")) {
    panel.hidden = panel.id !== `panel-${id}`;
  }
}

/** How often the badge is refreshed while the page is open (each call refreshes it too). */
const HEALTH_EVERY_MS = 15_000;

async function refreshHealth(): Promise<void> {
  const badge = byId<HTMLSpanElement>("health-badge");
  const health = await call("GET", "/health");
  const body = health.body as { status?: string; model?: string; llm?: { detail?: string } } | null;
  // "unhealthy": the agent answers, but its model backend fails (/health's llm says why).
  const healthy = health.ok && body?.status === "healthy";
  badge.className = healthy ? "badge ok" : "badge down";
  const why = !healthy && body?.llm?.detail ? ` · ${body.llm.detail}` : "";
  badge.textContent = health.ok ? `${body?.status ?? "up"} · ${body?.model ?? ""}${why}` : "unreachable";
}

/** Whether the agent takes the key: /conversations needs a valid one (/capabilities takes any). */
async function keyState(): Promise<string> {
  if (!storedKey()) return "no key: protected endpoints answer 401";
  const check = await call("GET", "/conversations");
  // Accepted: the wording the dashboard's end-to-end tests wait for (test/web-*.test.ts).
  if (check.ok) return "key set for this tab";
  if (check.status === 403) return "key refused (HTTP 403): not this agent's API_KEY";
  const detail = (check.body as { detail?: unknown; error?: unknown } | null) ?? {};
  return `key not checked: HTTP ${check.status} ${String(detail.detail ?? detail.error ?? "")}`.trim();
}

function setUpKeyForm(): void {
  const input = byId<HTMLInputElement>("api-key");
  const state = byId<HTMLSpanElement>("key-state");
  input.value = storedKey();
  const show = async () => {
    state.textContent = "checking the key…";
    state.textContent = await keyState();
  };
  void show();
  byId<HTMLFormElement>("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    storeKey(input.value.trim());
    void show();
  });
}

function main(): void {
  document.title = `Pithead agent — ${apiBase.host}`;
  setUpKeyForm();
  const tabs = byId<HTMLElement>("tabs");
  const panels = byId<HTMLElement>("panels");
  const all = [
    ...COMPONENT_TABS.map((tab) => ({ id: tab.name, label: tab.label, panel: componentPanel(tab) })),
    ...systemPanels(),
  ];
  for (const { id, label, panel } of all) {
    const button = element(
      "button",
      { type: "button", role: "tab", "data-tab": id, "data-testid": `tab-${id}` },
      label,
    );
    button.addEventListener("click", () => selectTab(id));
    tabs.append(button);
    panels.append(panel);
  }
  selectTab("complete");
  // The badge follows the backend: after every call (a failed one may be the first sign), and on a timer.
  afterEachCall(() => void refreshHealth());
  setInterval(() => void refreshHealth(), HEALTH_EVERY_MS);
  void refreshHealth();
}

main();
