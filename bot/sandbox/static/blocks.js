// Block Kit as real HTML controls: buttons are <button>, selects <select>, inputs have labels.
// `ctx` carries the names for mentions, the viewer's time zone, the app's now, and what to do
// when a person acts: ctx.act(blockId, actionId, value, element).

import { el, plain, textObject } from "./mrkdwn.js";

let fieldSeq = 0;

export function renderBlocks(blocks, ctx) {
  const out = el("div", { class: "blocks" });
  for (const block of blocks || []) out.append(renderBlock(block, ctx));
  return out;
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case "header":
      return el("h3", { class: "bk-header" }, plain(block.text));
    case "section":
      return section(block, ctx);
    case "context":
      return el("div", { class: "bk-context" }, (block.elements || []).map((item) =>
        item.type === "image" ? el("span", { class: "bk-image" }, item.alt_text || "")
          : el("span", {}, textObject(item, ctx))));
    case "divider":
      return el("hr", { class: "bk-divider" });
    case "actions":
      return el("div", { class: "bk-actions" }, (block.elements || []).map((element) =>
        control(element, block.block_id, ctx)));
    case "input":
      return input(block, ctx);
    case "image":
      return el("p", { class: "bk-image" }, block.alt_text || "");
    default:
      return el("p", { class: "bk-unknown" }, `(a ${block.type} block the sandbox does not draw)`);
  }
}

function section(block, ctx) {
  const body = el("div", { class: "bk-section-body" });
  if (block.text) body.append(el("div", { class: "bk-text" }, textObject(block.text, ctx)));
  if (block.fields && block.fields.length) {
    body.append(el("div", { class: "bk-fields" }, block.fields.map((field) =>
      el("div", { class: "bk-field" }, textObject(field, ctx)))));
  }
  const out = el("div", { class: "bk-section" }, body);
  if (block.accessory) {
    out.append(el("div", { class: "bk-accessory" }, control(block.accessory, block.block_id, ctx)));
  }
  return out;
}

// An interactive element outside an input block: acting on it is sent to the app at once.
function control(element, blockId, ctx) {
  if (element.type === "button") {
    const style = element.style ? ` bk-button-${element.style}` : "";
    return el("button", {
      type: "button",
      class: "bk-button" + style,
      onclick: () => ctx.act(blockId, element.action_id, null, element),
    }, plain(element.text));
  }
  if (element.type === "static_select") {
    const label = plain(element.placeholder) || "Choose an option";
    const select = selectFor(element, label);
    select.setAttribute("aria-label", label);
    select.addEventListener("change", () => ctx.act(blockId, element.action_id, select.value, element));
    return select;
  }
  if (element.type === "datepicker") {
    const picker = el("input", {
      type: "date", "aria-label": plain(element.placeholder) || "Pick a date",
      value: element.initial_date,
    });
    picker.addEventListener("change", () => ctx.act(blockId, element.action_id, picker.value, element));
    return picker;
  }
  if (element.type === "image") return el("span", { class: "bk-image" }, element.alt_text || "");
  return el("span", { class: "bk-unknown" }, `(a ${element.type} the sandbox does not draw)`);
}

function selectFor(element, placeholder) {
  const select = el("select", {});
  const initial = element.initial_option && element.initial_option.value;
  select.append(el("option", { value: "", selected: !initial }, placeholder));
  const option = (o) => el("option", { value: o.value, selected: o.value === initial }, plain(o.text));
  for (const o of element.options || []) select.append(option(o));
  for (const group of element.option_groups || []) {
    select.append(el("optgroup", { label: plain(group.label) }, (group.options || []).map(option)));
  }
  return select;
}

// An input block of a modal: a labelled field whose value is read when the form is submitted.
function input(block, ctx) {
  const element = block.element || {};
  const id = `field-${++fieldSeq}`;
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const error = (ctx.errors || {})[block.block_id];
  const described = [block.hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ");
  const common = {
    id,
    "data-block-id": block.block_id,
    "data-action-id": element.action_id,
    "data-optional": block.optional ? "true" : null,
    "aria-describedby": described || null,
    "aria-invalid": error ? "true" : null,
    required: !block.optional,
  };
  let field;
  if (element.type === "plain_text_input") {
    const attrs = { ...common, maxlength: element.max_length, placeholder: plain(element.placeholder) };
    field = element.multiline ? el("textarea", { ...attrs, rows: 4 }, element.initial_value || "")
      : el("input", { ...attrs, type: "text", value: element.initial_value });
  } else if (element.type === "static_select") {
    field = selectFor(element, plain(element.placeholder) || "Choose an option");
    for (const [name, value] of Object.entries(common)) {
      if (value !== null && value !== false) field.setAttribute(name, value === true ? "" : value);
    }
  } else if (element.type === "datepicker") {
    field = el("input", { ...common, type: "date", value: element.initial_date });
  } else {
    field = el("span", { class: "bk-unknown" }, `(a ${element.type} input the sandbox does not draw)`);
  }
  const label = el("label", { for: id }, plain(block.label),
    block.optional ? el("span", { class: "bk-optional" }, " (optional)") : null);
  return el("div", { class: "bk-input" + (error ? " bk-input-invalid" : "") },
    label, field,
    block.hint ? el("p", { class: "bk-hint", id: hintId }, plain(block.hint)) : null,
    error ? el("p", { class: "bk-error", id: errorId }, error) : null);
}

// What a person entered in a form's fields: block id -> action id -> value (or null).
export function fieldValues(form) {
  const values = {};
  for (const field of form.querySelectorAll("[data-block-id]")) {
    const blockId = field.dataset.blockId;
    values[blockId] = values[blockId] || {};
    values[blockId][field.dataset.actionId] = field.value === "" ? null : field.value;
  }
  return values;
}

// The required fields left empty, each given Slack's own message.
export function missingFields(form) {
  const missing = [];
  for (const field of form.querySelectorAll("[data-block-id]")) {
    if (field.dataset.optional !== "true" && field.value === "") missing.push(field);
  }
  return missing;
}
