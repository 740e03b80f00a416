// The sandbox page: pick a person, see what they see in Slack, and act as them. Everything a
// person does goes to the sandbox's JSON endpoints, which send the app signed Slack requests;
// a long poll says when anything changed.

import { fieldValues, missingFields, renderBlocks } from "./blocks.js";
import { clockTime, el, mrkdwn, plain } from "./mrkdwn.js";

const API = "/sandbox/api";
const $ = (id) => document.getElementById(id);

const page = {
  user: null,
  state: null,
  tab: null, // a conversation id, or "home"
  modalKey: null,
  version: -1,
};

async function call(path, body) {
  const answer = await fetch(API + path, body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await answer.json();
  } catch (unreadable) {
    data = {};
  }
  if (!answer.ok || data.ok === false) {
    throw new Error(data.error || data.detail || `the sandbox answered ${answer.status}`);
  }
  return data;
}

function say(text) {
  const toast = $("toast");
  toast.textContent = text;
  toast.hidden = !text;
}

async function attempt(work) {
  try {
    say("");
    await work();
  } catch (failed) {
    say(failed.message);
  }
}

// --- people and the long poll ---------------------------------------------------------------

async function start() {
  const { people } = await call("/people");
  const select = $("person");
  for (const person of people) select.append(el("option", { value: person.id }, person.name));
  const wanted = new URLSearchParams(location.hash.slice(1)).get("user");
  if (people.some((p) => p.id === wanted)) select.value = wanted;
  select.addEventListener("change", () => choose(select.value));
  document.querySelectorAll("[data-hours]").forEach((button) =>
    button.addEventListener("click", () => jump(Number(button.dataset.hours), button)));
  $("composer").addEventListener("submit", send);
  setUpModal();
  setUpConfirm();
  if (select.value) await choose(select.value);
  poll();
}

async function choose(user) {
  page.user = user;
  page.tab = null;
  page.modalKey = null;
  history.replaceState(null, "", `#user=${encodeURIComponent(user)}`);
  await refresh();
}

async function refresh() {
  if (!page.user) return;
  const user = page.user;
  const state = await call(`/state?user=${encodeURIComponent(user)}`);
  if (user !== page.user) return; // someone else was chosen meanwhile
  page.state = state;
  page.version = state.version;
  render();
}

async function poll() {
  for (;;) {
    try {
      const { version } = await call(`/changes?since=${page.version}`);
      if (version !== page.version) await refresh();
    } catch (lost) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

// --- drawing --------------------------------------------------------------------------------

function ctxFor(source, extra = {}) {
  const state = page.state;
  return {
    names: state.names,
    tz: state.me.tz,
    now: new Date(state.now),
    act: (blockId, actionId, value, element) => act(source, blockId, actionId, value, element),
    ...extra,
  };
}

function render() {
  const state = page.state;
  $("person-title").textContent = state.me.title;
  $("now").textContent = formatNow(state);
  $("now").setAttribute("datetime", state.now);
  $("ahead").textContent = state.ahead_seconds > 60 ? `(${ahead(state.ahead_seconds)} ahead)` : "";
  renderTabs(state);
  renderPane(state);
  renderProblems(state.problems);
  renderVendorCalls(state.vendor_calls);
  renderModal(state.modal);
}

function renderTabs(state) {
  const tabs = [{ id: "home", name: "Home" }, ...state.conversations.map((c) => ({
    id: c.id, name: c.kind === "channel" ? `#${c.name}` : c.name,
  }))];
  if (!page.tab || !tabs.some((t) => t.id === page.tab)) page.tab = state.me.dm;
  const list = $("tabs");
  list.replaceChildren(...tabs.map((tab) => el("button", {
    type: "button",
    role: "tab",
    id: `tab-${tab.id}`,
    "aria-selected": String(tab.id === page.tab),
    "aria-controls": "pane",
    onclick: () => selectTab(tab.id),
  }, tab.name)));
}

function selectTab(tab) {
  page.tab = tab;
  render();
  if (tab === "home") attempt(() => call("/home", { user: page.user }));
}

function renderPane(state) {
  const feed = $("feed");
  const atBottom = feed.scrollHeight - feed.scrollTop - feed.clientHeight < 40;
  $("pane").setAttribute("aria-labelledby", `tab-${page.tab}`);
  const composer = $("composer");
  if (page.tab === "home") {
    $("pane-title").textContent = "Home";
    composer.hidden = true;
    feed.replaceChildren(state.home ? renderBlocks(state.home.blocks, ctxFor({ type: "view", view_id: state.home.id }))
      : el("p", { class: "empty" }, "Opening the app's Home tab…"));
    return;
  }
  const conversation = state.conversations.find((c) => c.id === page.tab);
  $("pane-title").textContent = conversation.kind === "channel" ? `#${conversation.name}` : `Messages with ${conversation.name}`;
  $("composer-where").textContent = conversation.kind === "channel" ? `#${conversation.name}` : conversation.name;
  composer.hidden = false;
  const items = conversationItems(state, conversation.id);
  feed.replaceChildren(...(items.length ? items : [el("p", { class: "empty" }, "No messages yet.")]));
  if (atBottom) feed.scrollTop = feed.scrollHeight;
}

function conversationItems(state, channel) {
  const ephemerals = state.ephemerals.filter((e) => e.channel === channel);
  const roots = state.messages[channel].map((m) => ({ at: m.posted_at || "", node: () => message(m, channel, ephemerals) }));
  const loose = ephemerals.filter((e) => !e.thread_ts || !state.messages[channel].some((m) => m.ts === e.thread_ts))
    .map((e) => ({ at: e.posted_at, node: () => ephemeral(e) }));
  return [...roots, ...loose].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).map((item) => item.node());
}

function message(m, channel, ephemerals) {
  const source = { type: "message", channel, ts: m.ts };
  const body = m.blocks.length ? renderBlocks(m.blocks, ctxFor(source)) : el("div", { class: "bk-text" }, mrkdwn(m.text, ctxFor(source)));
  const replies = [
    ...m.replies.map((r) => ({ at: r.posted_at || "", node: () => message(r, channel, []) })),
    ...ephemerals.filter((e) => e.thread_ts === m.ts).map((e) => ({ at: e.posted_at, node: () => ephemeral(e) })),
  ].sort((a, b) => (a.at < b.at ? -1 : 1)).map((item) => item.node());
  return el("article", { class: "message", "aria-label": `Message from Seatkeeper${m.posted_at ? " at " + when(m.posted_at) : ""}` },
    el("header", {}, el("strong", {}, "Seatkeeper"), " ", el("span", { class: "app-tag" }, "APP"), " ",
      m.posted_at ? el("time", { datetime: m.posted_at }, when(m.posted_at)) : null,
      m.edited ? el("span", { class: "edited" }, " (edited)") : null),
    body,
    replies.length ? el("section", { class: "thread", "aria-label": `Thread, ${replies.length} ${replies.length === 1 ? "reply" : "replies"}` },
      el("p", { class: "thread-count" }, `${replies.length} ${replies.length === 1 ? "reply" : "replies"}`), ...replies) : null);
}

function ephemeral(e) {
  const source = { type: "ephemeral", id: e.id };
  const body = e.blocks.length ? renderBlocks(e.blocks, ctxFor(source)) : el("div", { class: "bk-text" }, mrkdwn(e.text, ctxFor(source)));
  return el("article", { class: "message ephemeral", "aria-label": "Only visible to you" },
    el("header", {}, el("strong", {}, "Seatkeeper"), " ", el("span", { class: "only-you" }, "Only visible to you"), " ",
      el("time", { datetime: e.posted_at }, when(e.posted_at))),
    body);
}

function renderProblems(problems) {
  const list = $("problems");
  $("problems-count").textContent = problems.length ? ` (${problems.length})` : "";
  $("problems-section").classList.toggle("alarm", problems.length > 0);
  list.replaceChildren(...(problems.length ? problems.map((p) => el("li", {},
    el("strong", {}, p.where), `: ${p.error}`,
    p.details.length ? el("ul", {}, p.details.map((d) => el("li", {}, d))) : null))
    : [el("li", { class: "empty" }, "Nothing so far: everything the app sent, Slack would take.")]));
}

function renderVendorCalls(calls) {
  $("vendor-section").hidden = calls === null;
  if (calls === null) return;
  $("vendor-calls").replaceChildren(...(calls.length ? calls.slice().reverse().map((c) => {
    const at = c.at ? when(c.at) : "";
    const rest = Object.entries(c).filter(([k]) => k !== "at").map(([k, v]) => `${k}: ${v}`).join(", ");
    return el("li", {}, at ? el("time", { datetime: c.at }, at) : null, at ? " " : null, rest);
  }) : [el("li", { class: "empty" }, "None yet.")]));
}

// --- modals ---------------------------------------------------------------------------------

function renderModal(modal) {
  const dialog = $("modal");
  if (!modal) {
    page.modalKey = null;
    if (dialog.open) dialog.close();
    return;
  }
  const key = `${modal.id}:${modal.hash}`;
  const form = $("modal-form");
  if (key === page.modalKey && dialog.open) {
    showErrors(form, modal.errors);
    return;
  }
  page.modalKey = key;
  $("modal-title").textContent = plain(modal.title);
  const body = renderBlocks(modal.blocks, ctxFor({ type: "view", view_id: modal.id }, {
    errors: modal.errors,
    act: (blockId, actionId, value, element) => act({ type: "view", view_id: modal.id }, blockId, actionId, value, element, fieldValues(form)),
  }));
  $("modal-body").replaceChildren(body);
  $("modal-submit").hidden = !modal.submit;
  $("modal-submit").textContent = modal.submit ? plain(modal.submit) : "";
  $("modal-close").textContent = modal.close ? plain(modal.close) : "Cancel";
  form.dataset.viewId = modal.id;
  if (!dialog.open) dialog.showModal();
}

function showErrors(form, errors) {
  for (const field of form.querySelectorAll("[data-block-id]")) {
    const holder = field.closest(".bk-input");
    const old = holder.querySelector(".bk-error");
    if (old) old.remove();
    const error = errors[field.dataset.blockId];
    holder.classList.toggle("bk-input-invalid", Boolean(error));
    if (error) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
    if (error) {
      const id = `${field.id}-error`;
      holder.append(el("p", { class: "bk-error", id }, error));
      field.setAttribute("aria-describedby", id);
    }
  }
}

function setUpModal() {
  const dialog = $("modal");
  const form = $("modal-form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const missing = missingFields(form);
    if (missing.length) {
      showErrors(form, Object.fromEntries(missing.map((f) => [f.dataset.blockId, "Please complete this required field."])));
      missing[0].focus();
      return;
    }
    const viewId = form.dataset.viewId;
    attempt(() => call("/submit", { user: page.user, view_id: viewId, values: fieldValues(form) }));
  });
  const close = () => attempt(() => call("/close", { user: page.user, view_id: form.dataset.viewId }));
  $("modal-close").addEventListener("click", close);
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    close();
  });
}

// --- acting ---------------------------------------------------------------------------------

async function act(source, blockId, actionId, value, element, values) {
  if (element && element.confirm && !(await confirmed(element.confirm))) return;
  await attempt(() => call("/action", {
    user: page.user, source, block_id: blockId, action_id: actionId, value, values: values || {},
  }));
}

let answerConfirm = null;

function setUpConfirm() {
  const dialog = $("confirm");
  $("confirm-yes").addEventListener("click", () => dialog.close("yes"));
  $("confirm-no").addEventListener("click", () => dialog.close("no"));
  dialog.addEventListener("close", () => {
    if (answerConfirm) answerConfirm(dialog.returnValue === "yes");
    answerConfirm = null;
  });
}

function confirmed(confirm) {
  const dialog = $("confirm");
  $("confirm-title").textContent = plain(confirm.title) || "Are you sure?";
  $("confirm-text").replaceChildren(confirm.text && confirm.text.type === "mrkdwn"
    ? mrkdwn(confirm.text.text, ctxFor(null)) : plain(confirm.text));
  $("confirm-yes").textContent = plain(confirm.confirm) || "Yes";
  $("confirm-no").textContent = plain(confirm.deny) || "Cancel";
  $("confirm-yes").className = confirm.style === "danger" ? "bk-button bk-button-danger" : "bk-button bk-button-primary";
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => { answerConfirm = resolve; });
}

function send(event) {
  event.preventDefault();
  const box = $("message");
  const text = box.value.trim();
  if (!text) return;
  if (!text.startsWith("/")) {
    say("Seatkeeper answers slash commands: try /license or /license help.");
    return;
  }
  attempt(async () => {
    await call("/command", { user: page.user, channel: page.tab, text });
    box.value = "";
  });
}

async function jump(hours, button) {
  const buttons = document.querySelectorAll("[data-hours]");
  buttons.forEach((b) => { b.disabled = true; });
  $("clock-status").textContent = `Moving ${button.textContent} ahead…`;
  try {
    const answer = await call("/clock", { hours });
    $("clock-status").textContent = `Moved ${button.textContent}: ${answer.summary}.`;
  } catch (failed) {
    $("clock-status").textContent = "";
    say(failed.message);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

// --- time -----------------------------------------------------------------------------------

function when(iso) {
  const moment = new Date(iso);
  const zone = page.state.me.tz;
  const today = new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date(page.state.now));
  const day = new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(moment);
  const date = day === today ? "" : new Intl.DateTimeFormat("en-US", { timeZone: zone, month: "short", day: "numeric" }).format(moment) + ", ";
  return date + clockTime(moment, zone, false);
}

function formatNow(state) {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: state.me.tz, weekday: "short", month: "short", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short",
  }).format(new Date(state.now));
}

function ahead(seconds) {
  const total = Math.round(seconds / 3600);
  const days = Math.floor(total / 24);
  const hours = total % 24;
  return [days ? `${days} d` : "", hours ? `${hours} h` : ""].filter(Boolean).join(" ") || "under an hour";
}

start().catch((failed) => say(`The sandbox could not start: ${failed.message}`));
