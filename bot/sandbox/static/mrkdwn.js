// Slack's mrkdwn as DOM nodes: *bold*, _italic_, ~strike~, `code`, ```pre```, > quotes, line
// breaks, links, <@U…> and <#C…> as names, <!date^…> in the viewer's time zone, entities
// decoded. Every piece of text becomes a text node: nothing is ever parsed as HTML.

const EMOJI = {
  alarm_clock: "\u23F0", bell: "\uD83D\uDD14", calendar: "\uD83D\uDCC6",
  hourglass_flowing_sand: "\u23F3", no_entry: "\u26D4", recycle: "\u267B\uFE0F",
  tada: "\uD83C\uDF89", warning: "\u26A0\uFE0F", wave: "\uD83D\uDC4B",
  white_check_mark: "\u2705", x: "\u274C", lock: "\uD83D\uDD12", mag: "\uD83D\uDD0D",
  moneybag: "\uD83D\uDCB0", chart_with_downwards_trend: "\uD83D\uDCC9", inbox_tray: "\uD83D\uDCE5",
};
const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
  "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value;
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function decode(text) {
  return text.replace(/&(lt|gt|amp);/g, (entity) => ENTITIES[entity]);
}

export function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] || whole);
}

// Plain text as Slack shows a plain_text object (emoji shortcodes drawn when asked).
export function plain(object) {
  const text = (object && object.text) || "";
  return object && object.emoji === false ? text : emojify(text);
}

// A mrkdwn or plain_text object, or a bare string of mrkdwn.
export function textObject(object, ctx) {
  if (!object) return document.createDocumentFragment();
  if (typeof object === "string") return mrkdwn(object, ctx);
  if (object.type === "plain_text") return document.createTextNode(plain(object));
  return mrkdwn(object.text || "", ctx);
}

export function mrkdwn(text, ctx) {
  const out = document.createDocumentFragment();
  const pieces = String(text).split("```");
  pieces.forEach((piece, index) => {
    if (index % 2 === 1 && index < pieces.length - 1) {
      out.append(el("pre", { class: "md-pre" }, decode(piece.replace(/^\n|\n$/g, ""))));
    } else {
      out.append(lines(index % 2 === 1 ? "```" + piece : piece, ctx));
    }
  });
  return out;
}

function lines(text, ctx) {
  const out = document.createDocumentFragment();
  let quote = null;
  const all = text.split("\n");
  all.forEach((line, index) => {
    const quoted = /^(>|&gt;)/.exec(line);
    if (quoted) {
      if (!quote) {
        quote = el("blockquote", { class: "md-quote" });
        out.append(quote);
      } else {
        quote.append(el("br"));
      }
      quote.append(inline(line.slice(quoted[0].length).replace(/^ /, ""), ctx));
      return;
    }
    quote = null;
    out.append(inline(line, ctx));
    const next = all[index + 1];
    if (index < all.length - 1 && !(next !== undefined && /^(>|&gt;)/.test(next))) {
      out.append(el("br"));
    }
  });
  return out;
}

// Mentions, links, dates and code spans are cut out first and stand in the text as
// placeholders, so *bold* or _italic_ around them still formats them, as in Slack.
const HOLE = /\uE000(\d+)\uE001/g;

function inline(text, ctx) {
  const nodes = [];
  const token = /`([^`\n]+)`|<([^<>\n]+)>/g;
  const marked = text.replace(/[\uE000\uE001]/g, "").replace(token, (whole, code, inner) => {
    nodes.push(code === undefined ? angle(inner, ctx) : el("code", { class: "md-code" }, decode(code)));
    return `\uE000${nodes.length - 1}\uE001`;
  });
  return formatted(marked, nodes);
}

const MARK = /(^|[^A-Za-z0-9*_~])([*_~])(\S(?:[^\n]*?\S)?)\2(?![A-Za-z0-9])/;
const TAGS = { "*": "strong", _: "em", "~": "del" };

function formatted(text, nodes) {
  const out = document.createDocumentFragment();
  let rest = text;
  while (rest) {
    const match = MARK.exec(rest);
    if (!match) break;
    out.append(filled(rest.slice(0, match.index) + match[1], nodes));
    out.append(el(TAGS[match[2]], {}, formatted(match[3], nodes)));
    rest = rest.slice(match.index + match[0].length);
  }
  out.append(filled(rest, nodes));
  return out;
}

// Text with its placeholders put back as the nodes they stand for.
function filled(text, nodes) {
  const out = document.createDocumentFragment();
  let start = 0;
  for (const hole of text.matchAll(HOLE)) {
    out.append(textNode(text.slice(start, hole.index)), nodes[Number(hole[1])]);
    start = hole.index + hole[0].length;
  }
  out.append(textNode(text.slice(start)));
  return out;
}

function textNode(text) {
  return document.createTextNode(emojify(decode(text)));
}

function angle(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? decode(inner.slice(bar + 1)) : "";
  const names = ctx.names || {};
  if (target.startsWith("@")) {
    const id = target.slice(1);
    return el("span", { class: "mention" }, "@" + (names[id] || label || id));
  }
  if (target.startsWith("#")) {
    const id = target.slice(1);
    return el("span", { class: "mention" }, "#" + (names[id] || label || id));
  }
  if (target.startsWith("!date^")) return el("time", {}, slackDate(target, label, ctx));
  if (target.startsWith("!subteam^")) return el("span", { class: "mention" }, label || "@team");
  if (target.startsWith("!")) return el("span", { class: "mention" }, "@" + target.slice(1));
  const url = decode(target);
  if (/^(https?:|mailto:)/i.test(url)) {
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, label || url);
  }
  return document.createTextNode(label || url);
}

// <!date^1392734382^{date_short_pretty} at {time}|fallback>, in the viewer's time zone and
// relative to the app's clock (what "today" means to the app).
function slackDate(target, fallback, ctx) {
  const parts = target.split("^");
  const seconds = Number(parts[1]);
  if (!Number.isFinite(seconds) || parts.length < 3) return fallback;
  const when = new Date(seconds * 1000);
  const zone = ctx.tz || "UTC";
  try {
    return parts[2].replace(/\{(\w+)\}/g, (whole, token) => dateToken(token, when, ctx, zone) ?? whole);
  } catch (failed) {
    return fallback;
  }
}

function dateToken(token, when, ctx, zone) {
  const day = dayParts(when, zone);
  const pretty = relativeDay(day, ctx.now ? dayParts(ctx.now, zone) : null);
  const shortDate = `${MONTHS[day.month - 1].slice(0, 3)} ${day.day}, ${day.year}`;
  const longDate = `${MONTHS[day.month - 1]} ${ordinal(day.day)}, ${day.year}`;
  switch (token) {
    case "date_num": return `${day.year}-${pad(day.month)}-${pad(day.day)}`;
    case "date": return longDate;
    case "date_short": return shortDate;
    case "date_long": return `${DAYS[day.weekday]}, ${longDate}`;
    case "date_pretty": return pretty || longDate;
    case "date_short_pretty": return pretty || shortDate;
    case "date_long_pretty": return pretty || `${DAYS[day.weekday]}, ${longDate}`;
    case "time": return clockTime(when, zone, false);
    case "time_secs": return clockTime(when, zone, true);
    default: return null;
  }
}

function dayParts(moment, zone) {
  const fields = {};
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, year: "numeric", month: "numeric", day: "numeric", weekday: "short",
  });
  for (const part of format.formatToParts(moment)) fields[part.type] = part.value;
  const weekday = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(fields.weekday);
  return { year: Number(fields.year), month: Number(fields.month), day: Number(fields.day), weekday };
}

function relativeDay(day, today) {
  if (!today) return null;
  const gap = (Date.UTC(day.year, day.month - 1, day.day)
    - Date.UTC(today.year, today.month - 1, today.day)) / 86400000;
  return { "-1": "yesterday", 0: "today", 1: "tomorrow" }[gap] || null;
}

export function clockTime(moment, zone, seconds) {
  return new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hour: "numeric", minute: "2-digit", second: seconds ? "2-digit" : undefined,
  }).format(moment);
}

function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : { 1: "st", 2: "nd", 3: "rd" }[n % 10] || "th";
  return `${n}${suffix}`;
}

function pad(n) {
  return String(n).padStart(2, "0");
}
