/* The designers' playground: plain JavaScript, no build step, no dependency.
 *
 * Every piece of data from the API is put into the page with textContent or as an
 * attribute value; nothing from the API ever goes through innerHTML.
 */
"use strict";

(() => {
  const KEY_STORAGE = "fulfillment.playground.key";
  const API = "playground/api/"; // relative to /playground, like the page's own files
  // A website visitor nobody identified: sent unsigned, so the bot asks for the e-mail
  // address (or the shop's other factor) on the order named before it tells anything.
  const GUEST = {
    label: "A guest (not signed in)",
    channel: "WEB",
    userId: "playground-guest",
    userName: null,
    firstName: null,
    orders: [],
    guest: true,
  };

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  /** An element with attributes and children; strings become text nodes. */
  function h(tag, attributes = {}, ...children) {
    const element = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") element.className = value;
      else if (name === "text") element.textContent = value;
      else if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
      else element.setAttribute(name, value === true ? "" : String(value));
    }
    append(element, children);
    return element;
  }

  function append(parent, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return parent;
  }

  function clear(element) {
    element.replaceChildren();
    return element;
  }

  /* ---------------------------------------------------------------- status */

  let statusTimer = 0;

  /** Says something in the live region (read out by screen readers). */
  function announce(message, kind = "info") {
    const status = $("#status");
    window.clearTimeout(statusTimer);
    status.className = `status status-${kind}`;
    status.textContent = message;
    if (kind !== "error") {
      statusTimer = window.setTimeout(() => {
        status.textContent = "";
        status.className = "status";
      }, 8000);
    }
  }

  /* ------------------------------------------------------------------- API */

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.status = status;
      this.code = code;
      this.details = details;
    }
  }

  function storedKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE);
    } catch {
      return null;
    }
  }

  /** One API call. Errors become ApiError; a 401 signs out (the key is no longer good). */
  async function api(path, { method = "GET", body, key = storedKey(), signOutOn401 = true } = {}) {
    const headers = { Accept: "application/json", Authorization: `Bearer ${key || ""}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      if (error instanceof TypeError && /header/i.test(error.message)) {
        throw new ApiError(0, "bad_key", "The key holds characters that cannot be sent in a header.");
      }
      throw new ApiError(0, "network", unreachable());
    }
    let text = "";
    try {
      text = await response.text();
    } catch {
      text = "";
    }
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
    if (response.ok && data !== null) return data;
    const envelope = data && typeof data === "object" ? data.error : null;
    // Not the envelope (a proxy's page, a crash): the service's own words, as far as they go.
    const said = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 300);
    const error = envelope
      ? new ApiError(response.status, envelope.code, envelope.message || "", envelope.details)
      : new ApiError(
          response.status,
          "unreadable",
          (response.ok
            ? `The service answered HTTP ${response.status} without JSON`
            : `The service answered HTTP ${response.status} ${response.statusText}`.trim()) +
            (said ? `: ${said}` : "."),
        );
    if (response.status === 401 && signOutOn401) {
      signOut("The service no longer accepts this key. Please sign in again.");
    }
    throw error;
  }

  /** Why a call got no answer at all, with the last problem the service reported. */
  function unreachable() {
    const problem = lastContent && lastContent.lastError;
    return problem
      ? `The service did not answer. The last thing it reported: ${problem.message}` +
          (problem.file ? ` (${problem.file}${problem.line ? `, line ${problem.line}` : ""})` : "") + "."
      : "The service did not answer: it is not running, or not reachable from this page.";
  }

  /** The details of an error envelope as readable lines. */
  function detailLines(details) {
    if (details === null || details === undefined) return [];
    if (Array.isArray(details)) {
      return details.map((item) =>
        item && typeof item === "object"
          ? [item.field, item.problem || item.message].filter(Boolean).join(": ") ||
            JSON.stringify(item)
          : String(item),
      );
    }
    if (typeof details === "object") {
      return Object.entries(details).map(
        ([name, value]) => `${name}: ${Array.isArray(value) ? value.join(", ") : typeof value === "object" && value !== null ? JSON.stringify(value) : value}`,
      );
    }
    return [String(details)];
  }

  /** A readable error block for a panel. */
  function errorBlock(error, doing) {
    const isApi = error instanceof ApiError;
    const heading = isApi && error.status
      ? `${doing} failed: HTTP ${error.status}${error.code ? ` (${error.code})` : ""}`
      : `${doing} failed`;
    const lines = isApi ? detailLines(error.details) : [];
    return h(
      "div",
      { class: "error", role: "alert", "data-testid": "error" },
      h("p", {}, h("strong", { text: heading }), " ", error.message || String(error)),
      lines.length ? h("ul", {}, lines.map((line) => h("li", { text: line }))) : null,
    );
  }

  function failed(container, error, doing) {
    if (error instanceof ApiError && error.status === 401) return; // back at the sign-in
    clear(container).append(errorBlock(error, doing));
    container.removeAttribute("aria-busy");
    announce(`${doing} failed: ${error.message}`, "error");
  }

  /* ------------------------------------------------------------ sign-in */

  let options = null;

  function showSignIn(message) {
    $("#playground").hidden = true;
    $("#sign-out").hidden = true;
    $("#sign-in").hidden = false;
    const error = $("#sign-in-error");
    error.textContent = message || "";
    error.hidden = !message;
    const input = $("#api-key");
    input.setAttribute("aria-invalid", message ? "true" : "false");
    input.focus();
  }

  function forgetData() {
    options = null;
    for (const id of ["#try-result", "#all-result", "#replies-result", "#tests-result", "#conversations-result"]) {
      clear($(id));
    }
    stopContentStatus();
    resetConversation(false);
    for (const select of $$("select[data-options]")) clear(select);
    for (const textarea of $$("textarea")) textarea.value = "";
    for (const hint of $$(".customer-orders")) hint.textContent = "";
    repliesShown = "";
  }

  function signOut(message) {
    try {
      window.sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      /* storage blocked: nothing kept anyway */
    }
    forgetData();
    showSignIn(message);
    if (!message) announce("Signed out.");
  }

  function showPlayground(loaded) {
    options = loaded;
    fillOptions();
    $("#sign-in").hidden = true;
    $("#sign-in-error").hidden = true;
    $("#api-key").value = "";
    $("#playground").hidden = false;
    $("#sign-out").hidden = false;
    startContentStatus();
    resetConversation(false);
    const wanted = location.hash.replace("#", "");
    selectTab($(`[role="tab"][data-view="${wanted}"]`) || $("#tab-try"), false);
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $("#api-key");
    const key = input.value.trim();
    if (!key) {
      showSignIn("Enter the API key.");
      return;
    }
    const button = $("#sign-in-button");
    button.disabled = true;
    announce("Checking the key…");
    try {
      const loaded = await api("options", { key, signOutOn401: false });
      try {
        window.sessionStorage.setItem(KEY_STORAGE, key);
      } catch {
        showSignIn("This browser does not let the page keep the key (session storage is off).");
        return;
      }
      showPlayground(loaded);
      announce("Signed in.");
      $("#try-text").focus();
    } catch (error) {
      const message =
        error.status === 401
          ? "That key was refused. Check it and try again."
          : `Could not sign in: ${error.message}`;
      showSignIn(message);
      announce(message, "error");
    } finally {
      button.disabled = false;
    }
  }

  /* ------------------------------------------------------------ options */

  function customers() {
    return [...(options.customers || []), GUEST];
  }

  function fillOptions() {
    const fill = {
      locales: (select) =>
        options.locales.map((locale) =>
          h("option", { value: locale.code, lang: locale.tag, text: `${locale.name} (${locale.tag})` }),
        ),
      responseTypes: () => options.responseTypes.map((type) => h("option", { value: type, text: type })),
      platforms: () =>
        options.platforms.map((platform) => h("option", { value: platform.id, text: platform.name })),
      surfaces: () => [], // filled for the form's platform by refreshSurfaces()
      customers: () =>
        customers().map((customer) =>
          h("option", {
            value: customerValue(customer),
            text: customer.orders.length
              ? `${customer.label} — orders ${customer.orders.join(", ")}`
              : customer.label,
          }),
        ),
    };
    for (const select of $$("select[data-options]")) {
      clear(select).append(...fill[select.dataset.options](select));
    }
    for (const select of $$('select[data-options="locales"]')) select.value = options.defaultLocale;
    for (const select of $$('select[data-options="responseTypes"]')) {
      select.value = options.responseTypes.includes("card") ? "card" : options.responseTypes[0];
    }
    showCustomerOrders();
    refreshSurfaces(true);
  }

  /* ------------------------------------------------------------ surfaces */

  function platformOf(id) {
    return (options && options.platforms.find((p) => p.id === id)) || null;
  }

  function surfaceOf(platformId, surfaceId) {
    const platform = platformOf(platformId);
    return platform ? platform.surfaces.find((s) => s.id === surfaceId) || platform.surfaces[0] : null;
  }

  /** Each form's surface list follows its platform. With `forCustomer`, the surface that
   *  knows the customer's channel is chosen (Telegram for a Telegram customer). */
  function refreshSurfaces(forCustomer) {
    for (const select of $$('select[data-options="surfaces"]')) {
      const form = select.form;
      const platform = platformOf($('select[name="platform"]', form).value);
      if (!platform) continue;
      const before = select.value;
      clear(select).append(
        ...platform.surfaces.map((surface) => h("option", { value: surface.id, text: surface.label })),
      );
      const customer = selectedCustomer($('select[name="customer"]', form));
      // A customer no surface vouches for (a web visitor, a guest) talks on the web chat,
      // the surface that carries the customer's own channel.
      const matching =
        platform.surfaces.find((s) => s.channel && s.channel === customer.channel) ||
        platform.surfaces.find((s) => !s.channel);
      const kept = platform.surfaces.some((s) => s.id === before) ? before : null;
      select.value = (forCustomer && matching ? matching.id : kept) || (matching || platform.surfaces[0]).id;
    }
    showSurfaceHints();
  }

  function showSurfaceHints() {
    for (const select of $$('select[data-options="surfaces"]')) {
      const form = select.form;
      const hint = document.getElementById(select.getAttribute("aria-describedby"));
      const surface = surfaceOf($('select[name="platform"]', form).value, select.value);
      if (!hint || !surface) continue;
      const customer = selectedCustomer($('select[name="customer"]', form));
      const lines = [surface.note || ""];
      if (surface.channel && surface.channel !== customer.channel) {
        lines.push(
          `${surface.label} identifies ${surface.channel} users; ${customer.firstName || customer.label} is known ` +
            `as ${customer.channel} ${customer.userId}, so the bot treats them as a stranger here.`,
        );
      }
      hint.textContent = lines.filter(Boolean).join(" ");
    }
  }

  /** A customer's option value: the identity the platforms send (channel and user). */
  function customerValue(customer) {
    return `${customer.channel}:${customer.userId}`;
  }

  function selectedCustomer(select) {
    return customers().find((customer) => customerValue(customer) === select.value) || GUEST;
  }

  function showCustomerOrders() {
    for (const select of $$('select[data-options="customers"]')) {
      const hint = document.getElementById(select.getAttribute("aria-describedby"));
      const customer = selectedCustomer(select);
      clear(hint);
      if (customer.orders.length) {
        append(hint, [
          `${customer.firstName || customer.label}'s orders: `,
          customer.orders.map((number, i) => [i ? ", " : "", h("code", { text: number })]),
          ` (${customer.channel}, user ${customer.userId})`,
        ]);
      } else {
        hint.textContent = "No orders: try how the bot answers someone it does not know.";
      }
    }
  }

  /** Controls that mean the same in two views (the phrase, the customer…) stay equal. */
  function syncTwins(event) {
    const name = event.target.dataset && event.target.dataset.sync;
    if (!name) return;
    for (const twin of $$(`[data-sync="${name}"]`)) {
      if (twin !== event.target) twin.value = event.target.value;
    }
    if (name === "customer") showCustomerOrders();
    if (name === "platform" || name === "customer") refreshSurfaces(true);
    if (name === "surface") showSurfaceHints();
    if (["platform", "customer", "surface", "responseType"].includes(name)) conversationSettingsChanged();
  }

  /* ------------------------------------------------------------------ tabs */

  function selectTab(tab, focus = true) {
    for (const other of $$('[role="tab"]')) {
      const selected = other === tab;
      other.setAttribute("aria-selected", String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute("aria-controls")).hidden = !selected;
    }
    if (focus) tab.focus();
    if (history.replaceState) history.replaceState(null, "", `#${tab.dataset.view}`);
    if (tab.dataset.view === "replies") loadReplies(false);
  }

  function tabKeys(event) {
    const tabs = $$('[role="tab"]');
    const index = tabs.indexOf(document.activeElement);
    if (index < 0) return;
    const moves = {
      ArrowRight: index + 1,
      ArrowDown: index + 1,
      ArrowLeft: index - 1,
      ArrowUp: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectTab(tabs[(moves[event.key] + tabs.length) % tabs.length]);
  }

  /* ------------------------------------------------------ rendering replies */

  function isWebUrl(url) {
    try {
      const parsed = new URL(url, location.href);
      return parsed.protocol === "https:" || parsed.protocol === "http:";
    } catch {
      return false;
    }
  }

  function picture(image, className) {
    if (!image) return null;
    const missing = (reason) =>
      h("span", { class: `${className} img-missing`, "data-testid": "img-missing" }, `${reason}: `, h("q", { text: image.alt || "no text" }));
    if (!isWebUrl(image.url)) return missing("Not a web address; its text");
    // A picture that does not load (offline, or a wrong address) shows its text instead.
    return h("img", {
      class: className,
      src: image.url,
      alt: image.alt || "",
      title: image.alt || null,
      loading: "lazy",
      decoding: "async",
      referrerpolicy: "no-referrer",
      onerror: (event) => {
        event.target.hidden = true;
        event.target.after(missing("Picture not loaded; its text"));
      },
    });
  }

  /** Markdown-style body: "two spaces (or a backslash) + newline" is a line break,
   *  a lone newline is a space; everything else is shown as it is. */
  function markdownLines(text) {
    const lines = String(text).split(/(?: {2,}|\\)\n/);
    const nodes = [];
    lines.forEach((line, i) => {
      if (i) nodes.push(h("br"));
      nodes.push(line.replace(/\s*\n\s*/g, " "));
    });
    return nodes;
  }

  const RENDER = {
    text: (message) => h("p", { class: "bubble", "data-testid": "bubble", text: message.text }),
    card: (message) =>
      h(
        "article",
        { class: "card", "data-testid": "card" },
        picture(message.image, "card-image"),
        h(
          "div",
          { class: "card-content" },
          message.title ? h("h4", { class: "card-title", "data-testid": "card-title", text: message.title }) : null,
          message.subtitle ? h("p", { class: "card-subtitle", text: message.subtitle }) : null,
          message.body ? h("p", { class: "card-body", "data-testid": "card-body" }, markdownLines(message.body)) : null,
          message.button
            ? isWebUrl(message.button.url)
              ? h("a", {
                  class: "card-button",
                  href: message.button.url,
                  target: "_blank",
                  rel: "noopener noreferrer",
                  "data-testid": "card-button",
                  text: message.button.title,
                })
              : h("span", {
                  class: "card-button card-button-unsafe",
                  title: `Not a web address: ${message.button.url}`,
                  "data-testid": "card-button",
                  text: message.button.title,
                })
            : null,
        ),
      ),
    media: (message) =>
      h(
        "ul",
        { class: "media", "data-testid": "media", "aria-label": "Pictures" },
        message.objects.map((object) =>
          h(
            "li",
            { class: "media-object" },
            picture(object.image, "media-image"),
            isWebUrl(object.url)
              ? h("a", { class: "media-name", href: object.url, target: "_blank", rel: "noopener noreferrer", text: object.name })
              : h("span", { class: "media-name", text: object.name }),
            object.description ? h("span", { class: "media-description", text: object.description }) : null,
          ),
        ),
      ),
    suggestions: (message) =>
      h(
        "ul",
        { class: "chips", "data-testid": "chips", "aria-label": "Suggested answers" },
        message.chips.map((chip) => h("li", { class: "chip", text: chip })),
      ),
  };

  function renderMessages(messages) {
    return h(
      "div",
      { class: "chat", "data-testid": "chat" },
      messages.map((message) =>
        (RENDER[message.kind] ||
          ((unknown) => h("pre", { class: "bubble", text: JSON.stringify(unknown, null, 2) })))(message),
      ),
    );
  }

  function bcp47(locale) {
    return String(locale || "").replace(/_/g, "-");
  }

  function localeName(code) {
    const locale = options && options.locales.find((l) => l.code === code);
    return locale ? locale.name : code;
  }

  /** The reply as the customer sees it, or why there is none. */
  function renderReply(result) {
    if (!result.reply) {
      return h(
        "p",
        { class: "error", "data-testid": "no-reply" },
        `The webhook gave no reply (HTTP ${result.status}); see its response below.`,
      );
    }
    return h(
      "div",
      { class: "reply", lang: bcp47(result.reply.locale), "data-testid": "reply" },
      h(
        "p",
        { class: "outcome" },
        "Outcome: ",
        h("span", { class: `badge outcome-${result.reply.outcome}`, "data-testid": "outcome", text: result.reply.outcome }),
      ),
      renderMessages(result.reply.messages),
    );
  }

  /* --------------------------------------------------------- extraction */

  /** The text with each candidate marked. Offsets are code points (Python str indices),
   *  so the text is split into code points, not UTF-16 units. */
  function highlighted(extraction) {
    const chars = Array.from(extraction.text);
    const paragraph = h("p", { class: "highlighted", "data-testid": "highlighted" });
    let position = 0;
    extraction.candidates.forEach((candidate, index) => {
      if (candidate.start < position) return; // overlapping: the list below still shows it
      paragraph.append(chars.slice(position, candidate.start).join(""));
      const state = candidate.taken ? "taken" : "dropped";
      paragraph.append(
        h("mark", {
          class: state,
          title: `${state}: ${candidate.reasons.join("; ") || "no reason given"}`,
          "data-candidate": String(index),
          text: chars.slice(candidate.start, candidate.end).join(""),
        }),
      );
      position = candidate.end;
    });
    paragraph.append(chars.slice(position).join(""));
    return paragraph;
  }

  function renderExtraction(extraction) {
    if (!extraction) {
      return h("p", { text: "This interest type has no order-number finder." });
    }
    const list = h(
      "ol",
      { class: "candidates", "data-testid": "candidates" },
      extraction.candidates.map((candidate) =>
        h(
          "li",
          { class: `candidate candidate-${candidate.taken ? "taken" : "dropped"}`, "data-testid": "candidate" },
          h("mark", { class: candidate.taken ? "taken" : "dropped", "aria-hidden": "true", text: candidate.text }),
          " ",
          h("strong", { text: candidate.taken ? "taken" : "dropped" }),
          candidate.value !== candidate.text ? ` as ${candidate.value}` : "",
          ` (${candidate.format})`,
          candidate.reasons.length
            ? h("ul", { class: "reasons" }, candidate.reasons.map((reason) => h("li", { text: reason })))
            : null,
        ),
      ),
    );
    const taken = extraction.orderIds;
    return h(
      "div",
      { class: "extraction" },
      highlighted(extraction),
      h(
        "p",
        { class: "legend" },
        h("mark", { class: "taken", text: "taken" }),
        " an order number the service looks up · ",
        h("mark", { class: "dropped", text: "dropped" }),
        " looks like one but is left out",
      ),
      h(
        "p",
        { "data-testid": "order-ids" },
        taken.length ? `Order numbers taken (${extraction.language}): ${taken.join(", ")}` : `No order number taken (${extraction.language}).`,
      ),
      extraction.candidates.length ? list : h("p", { text: "Nothing in the text looks like an order number." }),
    );
  }

  /* ------------------------------------------------------------ raw JSON */

  async function copyText(pre, button) {
    const text = pre.textContent;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error("no clipboard");
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
      announce("Copied to the clipboard.");
    } catch {
      const range = document.createRange();
      range.selectNodeContents(pre);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      let copied = false;
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
      button.textContent = copied ? "Copied" : "Selected";
      announce(copied ? "Copied to the clipboard." : "The text is selected: press Ctrl+C (⌘C) to copy it.");
    }
    window.setTimeout(() => {
      button.textContent = "Copy";
    }, 2000);
  }

  function jsonBlock(title, value, testid) {
    const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
    const id = `${testid}-pre`;
    const pre = h("pre", { id, class: "json", tabindex: "0", "aria-label": title, "data-testid": testid, text });
    const button = h("button", {
      type: "button",
      class: "secondary copy",
      "aria-controls": id,
      "aria-label": `Copy the ${title.toLowerCase()}`,
      "data-testid": `${testid}-copy`,
      text: "Copy",
    });
    button.addEventListener("click", () => copyText(pre, button));
    return h("figure", { class: "json-block" }, h("figcaption", {}, h("span", { text: title }), button), pre);
  }

  /* -------------------------------------------------------- try a phrase */

  function trial(form, locale) {
    const customer = selectedCustomer($('select[name="customer"]', form));
    return {
      text: $("textarea", form).value,
      locale,
      responseType: $('select[name="responseType"]', form).value,
      platform: $('select[name="platform"]', form).value,
      ...(form.elements.surface ? { surface: form.elements.surface.value } : {}),
      customer: {
        channel: customer.channel,
        userId: customer.userId,
        userName: customer.userName,
        firstName: customer.firstName,
        guest: Boolean(customer.guest),
      },
    };
  }

  let tryRun = 0;

  async function tryPhrase(event) {
    event.preventDefault();
    const form = $("#try-form");
    if (!form.reportValidity()) return;
    const asked = trial(form, $("#try-locale").value);
    const run = ++tryRun;
    const result = $("#try-result");
    result.setAttribute("aria-busy", "true");
    announce("Asking the service…");
    try {
      const answer = await api("try", { method: "POST", body: asked });
      if (run !== tryRun) return;
      const platform = options.platforms.find((p) => p.id === answer.platform);
      const platformName = platform ? platform.name : answer.platform;
      clear(result).append(
        h(
          "section",
          { class: "result-section", "aria-labelledby": "found-title" },
          h("h2", { id: "found-title", text: "What the service found" }),
          renderExtraction(answer.extraction),
        ),
        h(
          "section",
          { class: "result-section preview-section", "aria-labelledby": "preview-title", "data-testid": "preview-section" },
          h("h2", { id: "preview-title", text: `On ${surfaceName(answer.platform, answer.surface)}` }),
          h("p", { class: "hint", text: "As this surface shows it. Tap a chip or button to go on with the conversation." }),
          renderDevice(answer.platform, answer.surface, [
            userItem(asked.text),
            ...botItems(answer, { onTap: (button) => continueConversation(asked, answer, button) }),
          ]),
        ),
        h(
          "section",
          { class: "result-section", "aria-labelledby": "reply-title" },
          h("h2", { id: "reply-title", text: `The reply in ${localeName(answer.locale)}` }),
          renderReply(answer),
        ),
        h(
          "section",
          { class: "result-section raw", "aria-labelledby": "raw-title" },
          h("h2", { id: "raw-title", text: `What ${platformName} sends and gets` }),
          h(
            "p",
            { class: "http-status", "data-testid": "http-status" },
            "POST ",
            h("code", { text: answer.path }),
            " answered ",
            h("span", { class: `badge ${answer.status < 400 ? "ok" : "bad"}`, text: `HTTP ${answer.status}` }),
          ),
          h(
            "div",
            { class: "json-pair" },
            jsonBlock("Request", answer.request, "raw-request"),
            jsonBlock("Response", answer.response, "raw-response"),
          ),
        ),
      );
      result.removeAttribute("aria-busy");
      const count = answer.extraction ? answer.extraction.orderIds.length : 0;
      announce(
        `Answered in ${localeName(answer.locale)}: ${answer.reply ? answer.reply.outcome : `HTTP ${answer.status}`}; ` +
          `${count} order number${count === 1 ? "" : "s"} taken.`,
      );
    } catch (error) {
      if (run === tryRun) failed(result, error, "Trying the phrase");
    }
  }

  /* ------------------------------------------------------- all languages */

  let allRun = 0;

  async function tryEveryLanguage(event) {
    event.preventDefault();
    const form = $("#all-form");
    if (!form.reportValidity()) return;
    const run = ++allRun;
    const result = $("#all-result");
    const grid = h("div", { class: "lang-grid", "data-testid": "lang-grid" });
    clear(result).append(grid);
    result.setAttribute("aria-busy", "true");
    announce(`Asking in ${options.locales.length} languages…`);
    const calls = options.locales.map(async (locale) => {
      const body = h("div", { class: "lang-body" }, h("p", { class: "loading", text: "Asking…" }));
      grid.append(
        h(
          "section",
          { class: "lang-column", lang: locale.tag, "data-locale": locale.code, "data-testid": "lang-column", "aria-label": locale.name },
          h("h3", { class: "lang-name" }, h("span", { "data-testid": "lang-name", text: locale.name }), " ", h("span", { class: "tag", text: locale.tag })),
          // The reply reads in its language's direction: Arabic bubbles right to left.
          (body.setAttribute("dir", locale.dir || "ltr"), body),
        ),
      );
      try {
        const answer = await api("try", { method: "POST", body: trial(form, locale.code) });
        if (run !== allRun) return;
        const ids = answer.extraction ? answer.extraction.orderIds : [];
        clear(body).append(
          h("p", { class: "found", lang: "en", dir: "ltr" }, ids.length ? `Took ${ids.join(", ")}` : "No order number taken"),
          renderReply(answer),
        );
      } catch (error) {
        if (run !== allRun) return;
        if (error instanceof ApiError && error.status === 401) throw error;
        clear(body).append(errorBlock(error, "This language"));
      }
    });
    const settled = await Promise.allSettled(calls);
    if (run !== allRun) return;
    result.removeAttribute("aria-busy");
    if (settled.some((s) => s.status === "rejected")) return; // signed out
    const failures = $$(".error", grid).length;
    announce(
      failures
        ? `${options.locales.length - failures} of ${options.locales.length} languages answered.`
        : `All ${options.locales.length} languages answered.`,
      failures ? "error" : "info",
    );
  }

  /* --------------------------------------------------------- every reply */

  let repliesShown = "";
  let repliesRun = 0;

  async function loadReplies(force) {
    if (!options) return;
    const locale = $("#replies-locale").value;
    const type = $("#replies-type").value;
    const wanted = `${locale}|${type}`;
    if (!force && wanted === repliesShown) return;
    repliesShown = wanted;
    const run = ++repliesRun;
    const result = $("#replies-result");
    result.setAttribute("aria-busy", "true");
    announce("Loading the replies…");
    try {
      const query = new URLSearchParams({ locale, responseType: type });
      const answer = await api(`replies?${query}`);
      if (run !== repliesRun) return;
      const tag = bcp47(answer.locale);
      clear(result).append(
        h(
          "table",
          { class: "replies", "data-testid": "replies-table" },
          h("caption", { text: `Every reply in ${localeName(answer.locale)}, response type ${answer.responseType}` }),
          h("thead", {}, h("tr", {}, h("th", { scope: "col", text: "Reply" }), h("th", { scope: "col", text: "What the customer sees" }))),
          h(
            "tbody",
            {},
            answer.rows.map((row) =>
              h(
                "tr",
                { "data-key": row.key, "data-testid": "reply-row" },
                h("th", { scope: "row" }, row.label, h("br"), h("code", { class: "key", text: row.key })),
                h("td", { lang: tag }, renderMessages(row.messages)),
              ),
            ),
          ),
        ),
      );
      result.removeAttribute("aria-busy");
      announce(`${answer.rows.length} replies in ${localeName(answer.locale)}.`);
    } catch (error) {
      if (run !== repliesRun) return;
      repliesShown = "";
      failed(result, error, "Loading the replies");
    }
  }

  /* -------------------------------------------------------- phrase tests */

  let testsRun = 0;

  async function runPhraseTests() {
    const run = ++testsRun;
    const result = $("#tests-result");
    result.setAttribute("aria-busy", "true");
    announce("Running the phrase tests…");
    try {
      const answer = await api("phrase-tests");
      if (run !== testsRun) return;
      // Failures first; otherwise in the order of the intent files.
      const rows = answer.rows
        .map((row, index) => ({ row, index }))
        .sort((a, b) => Number(a.row.passed) - Number(b.row.passed) || a.index - b.index)
        .map(({ row }) => row);
      const numbers = (list) =>
        list.length ? list.map((n, i) => [i ? ", " : "", h("code", { text: n })]) : h("span", { class: "none", text: "none" });
      clear(result).append(
        h(
          "p",
          { class: `totals ${answer.failed ? "bad" : "ok"}`, "data-testid": "tests-totals" },
          `${answer.total} phrases: `,
          h("strong", { "data-testid": "tests-passed", text: `${answer.passed} passed` }),
          ", ",
          h("strong", { "data-testid": "tests-failed", text: `${answer.failed} failed` }),
        ),
        h(
          "table",
          { class: "tests", "data-testid": "tests-table" },
          h("caption", { text: "Phrase tests, failures first" }),
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              ["Result", "Text", "Language", "Expected", "Found"].map((title) => h("th", { scope: "col", text: title })),
            ),
          ),
          h(
            "tbody",
            {},
            rows.map((row) =>
              h(
                "tr",
                { class: row.passed ? "passed" : "failed", "data-testid": "test-row", "data-passed": String(row.passed) },
                h("td", { "data-label": "Result" }, h("span", { class: `badge ${row.passed ? "ok" : "bad"}`, text: row.passed ? "✓ pass" : "✗ fail" })),
                h(
                  "td",
                  { "data-label": "Text" },
                  h("span", { lang: row.language, class: "phrase", text: row.text }),
                  row.note ? h("span", { class: "note", text: row.note }) : null,
                ),
                h("td", { "data-label": "Language", text: row.language }),
                h("td", { "data-label": "Expected" }, numbers(row.expected)),
                h("td", { "data-label": "Found" }, numbers(row.found)),
              ),
            ),
          ),
        ),
      );
      result.removeAttribute("aria-busy");
      announce(`Phrase tests: ${answer.passed} of ${answer.total} passed, ${answer.failed} failed.`, answer.failed ? "error" : "info");
    } catch (error) {
      if (run === testsRun) failed(result, error, "Running the phrase tests");
    }
  }


  /* ------------------------------------------------- what a surface shows */

  // How each surface looks: a simple frame in the colours of the app the customer uses.
  const THEMES = {
    telegram: "telegram",
    facebook: "messenger",
    messenger: "df-messenger",
    phone: "call",
    twilio_voice: "call",
    "twilio-sms": "sms",
    "twilio-whatsapp": "whatsapp",
    slack: "slack",
    rest: "rest",
    socketio: "webchat",
  };

  function surfaceName(platformId, surfaceId) {
    const platform = platformOf(platformId);
    const surface = surfaceOf(platformId, surfaceId);
    if (!platform || !surface) return surfaceId || "the surface";
    return surface.id === "default" ? platform.name : `${surface.label}, through ${platform.name}`;
  }

  function fileName(url) {
    try {
      return decodeURIComponent(new URL(url, location.href).pathname.split("/").pop() || url);
    } catch {
      return String(url);
    }
  }

  /** A phone-like frame: the surface's name on top, the conversation's items below. */
  function renderDevice(platformId, surfaceId, items, testid = "preview") {
    const surface = surfaceOf(platformId, surfaceId);
    const theme = THEMES[surfaceId] || "plain";
    return h(
      "div",
      { class: `device device-${theme}`, "data-surface": surfaceId, "data-testid": testid },
      h("div", { class: "device-bar" }, h("span", { class: "device-name", text: surface ? surface.label : surfaceId })),
      h("ol", { class: "device-screen", "aria-label": `On ${surface ? surface.label : surfaceId}` }, items),
    );
  }

  function userItem(text, tapped = false) {
    return h(
      "li",
      { class: `pv-msg pv-user${tapped ? " pv-tapped" : ""}`, "data-testid": "pv-user" },
      tapped ? h("span", { class: "pv-tap-label", text: "tapped" }) : null,
      h("p", { class: "pv-bubble", text }),
    );
  }

  function tapButton(button, onTap) {
    if (button.url) {
      return isWebUrl(button.url)
        ? h("a", { class: "pv-button pv-link", href: button.url, target: "_blank", rel: "noopener noreferrer", "data-testid": "pv-button", text: button.title })
        : h("span", { class: "pv-button pv-inert", title: `Not a web address: ${button.url}`, "data-testid": "pv-button", text: button.title });
    }
    if (button.send) {
      return h("button", {
        type: "button",
        class: "pv-button",
        "data-send": button.send,
        "data-testid": "pv-button",
        title: `Sends “${button.send}”`,
        disabled: !onTap,
        onclick: onTap ? (event) => onTap(button, event) : null,
        text: button.title,
      });
    }
    return h("span", { class: "pv-button pv-inert", "data-testid": "pv-button", text: button.title });
  }

  const PREVIEW = {
    text: (item) => h("p", { class: "pv-bubble", "data-testid": "pv-text", text: item.text }),
    speech: (item) =>
      h("p", { class: "pv-bubble pv-said", "data-testid": "pv-speech" }, h("span", { class: "pv-speaker", text: "Says: " }), item.text),
    note: (item) => h("p", { class: "pv-note", "data-testid": "pv-note" }, h("span", { class: "pv-note-label", text: "Note: " }), item.text),
    // Channels send a bare address (Rasa): its file name stands in for the missing text.
    image: (item) =>
      h("figure", { class: "pv-picture", "data-testid": "pv-image" }, picture({ url: item.url, alt: item.alt || fileName(item.url) }, "pv-image")),
    card: (item, onTap) =>
      h(
        "article",
        { class: "pv-card", "data-testid": "pv-card" },
        item.image ? picture(item.image, "pv-card-image") : null,
        h(
          "div",
          { class: "pv-card-content" },
          item.title ? h("h4", { class: "pv-card-title", text: item.title }) : null,
          item.subtitle ? h("p", { class: "pv-card-subtitle", text: item.subtitle }) : null,
          item.text ? h("p", { class: "pv-card-text" }, markdownLines(item.text)) : null,
        ),
        item.buttons.length ? h("div", { class: "pv-buttons pv-layout-card" }, item.buttons.map((b) => tapButton(b, onTap))) : null,
      ),
    buttons: (item, onTap) =>
      h(
        "div",
        { class: `pv-with-buttons pv-layout-${item.layout}`, "data-testid": "pv-buttons", "data-layout": item.layout },
        item.text ? h("p", { class: "pv-bubble", "data-testid": "pv-text", text: item.text }) : null,
        h("div", { class: "pv-buttons", role: "group", "aria-label": "Buttons" }, item.buttons.map((b) => tapButton(b, onTap))),
      ),
  };

  /** The bot's side of one turn: each preview item in a list item of the device's screen. */
  function botItems(answer, { onTap = null } = {}) {
    const items = answer.preview || [];
    return items.map((item) =>
      h(
        "li",
        { class: `pv-msg pv-bot pv-kind-${item.kind}`, "data-kind": item.kind, "data-testid": "pv-item" },
        (PREVIEW[item.kind] || ((unknown) => h("pre", { class: "pv-bubble", text: JSON.stringify(unknown) })))(item, onTap),
      ),
    );
  }

  /* ------------------------------------------------------- conversation */

  const conversation = { settings: null, state: null, turns: 0, busy: false };

  function conversationSettings() {
    const form = $("#conversation-settings");
    const customer = selectedCustomer($('select[name="customer"]', form));
    return {
      locale: $("#conversation-locale").value,
      responseType: $("#conversation-type").value,
      platform: $("#conversation-platform").value,
      surface: $("#conversation-surface").value,
      customer: {
        channel: customer.channel,
        userId: customer.userId,
        userName: customer.userName,
        firstName: customer.firstName,
        guest: Boolean(customer.guest),
      },
    };
  }

  function showConversationDevice() {
    if (!options) return;
    const settings = conversationSettings();
    const device = $("#conversation-device");
    device.className = `device device-${THEMES[settings.surface] || "plain"}`;
    device.dataset.surface = settings.surface;
    const surface = surfaceOf(settings.platform, settings.surface);
    $("#conversation-device-name").textContent = surface ? surface.label : settings.surface;
    const platform = platformOf(settings.platform);
    $("#conversation-memory-title").textContent = platform ? `${platform.name}'s memory` : "The platform's memory";
  }

  function showMemory() {
    const state = conversation.state;
    $("#conversation-state").textContent = JSON.stringify(state || {}, null, 2);
    const platform = conversation.settings && conversation.settings.platform;
    $("#conversation-memory-hint").textContent =
      platform === "seed"
        ? "The seed contract keeps nothing between turns: every turn stands alone."
        : conversation.turns
          ? "What the platform carries into the next request."
          : "Nothing yet: the conversation has not started.";
  }

  function resetConversation(say) {
    conversation.settings = options ? conversationSettings() : null;
    conversation.state = null;
    conversation.turns = 0;
    clear($("#conversation-log"));
    clear($("#conversation-raw"));
    showMemory();
    showConversationDevice();
    if (say) announce("A new conversation: the platform's memory is empty.");
  }

  /** Another platform, surface, customer or language is another conversation. */
  function conversationSettingsChanged() {
    if (!options) return;
    const now = JSON.stringify(conversationSettings());
    if (conversation.turns && now !== JSON.stringify(conversation.settings)) resetConversation(true);
    else {
      conversation.settings = conversationSettings();
      showConversationDevice();
      showMemory();
    }
  }

  function addTurn(said, tapped, answer) {
    const log = $("#conversation-log");
    // Earlier replies' buttons belong to the past: only the last reply's can be tapped.
    for (const old of $$("button.pv-button", log)) old.disabled = true;
    const platform = platformOf(answer.platform);
    const outcome = answer.reply ? answer.reply.outcome : `HTTP ${answer.status}`;
    log.append(
      userItem(said, tapped),
      h("li", { class: "pv-meta", "data-testid": "pv-meta" }, `${platform ? platform.name : answer.platform} · HTTP ${answer.status} · ${outcome}`),
      ...botItems(answer, { onTap: (button) => sendTurn(button.send, true) }),
    );
    conversation.state = answer.state;
    conversation.turns += 1;
    showMemory();
    clear($("#conversation-raw")).append(
      h(
        "div",
        { class: "json-pair" },
        jsonBlock("Request", answer.request, "conversation-request"),
        jsonBlock("Response", answer.response, "conversation-response"),
      ),
    );
    // The newest turn in view, also once its pictures (or their stand-ins) take their place.
    const toEnd = () => {
      log.scrollTop = log.scrollHeight;
    };
    toEnd();
    window.requestAnimationFrame(toEnd);
    window.setTimeout(toEnd, 200);
  }

  async function sendTurn(text, tapped = false) {
    if (!options || conversation.busy || !String(text || "").trim()) return;
    conversation.busy = true;
    const log = $("#conversation-log");
    log.setAttribute("aria-busy", "true");
    if (!conversation.turns) conversation.settings = conversationSettings();
    const body = { ...conversation.settings, text, state: conversation.state };
    announce(tapped ? `Tapped “${text}”…` : "Sending…");
    try {
      const answer = await api("turn", { method: "POST", body });
      addTurn(text, tapped, answer);
      $("#conversation-text").value = "";
      const shown = (answer.preview || []).map((item) => item.text || item.title || "").filter(Boolean)[0] || "";
      announce(`The bot: ${shown || (answer.reply ? answer.reply.outcome : `HTTP ${answer.status}`)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 401)) {
        log.append(h("li", { class: "pv-msg pv-error" }, errorBlock(error, "This turn")));
        announce(`This turn failed: ${error.message}`, "error");
      }
    } finally {
      conversation.busy = false;
      log.removeAttribute("aria-busy");
    }
  }

  /** A chip tapped in "Try a phrase": the try becomes the first turn of a conversation. */
  function continueConversation(asked, answer, button) {
    $("#conversation-locale").value = asked.locale;
    for (const [name, value] of [["platform", asked.platform], ["responseType", asked.responseType]]) {
      for (const twin of $$(`[data-sync="${name}"]`)) twin.value = value;
    }
    refreshSurfaces(false);
    for (const twin of $$('[data-sync="surface"]')) twin.value = answer.surface;
    showSurfaceHints();
    resetConversation(false);
    addTurn(asked.text, false, answer);
    selectTab($("#tab-conversation"));
    sendTurn(button.send, true);
  }

  /* ------------------------------------------------------- conversation tests */

  let conversationsRun = 0;

  async function runConversations() {
    const run = ++conversationsRun;
    const result = $("#conversations-result");
    result.setAttribute("aria-busy", "true");
    announce("Running the conversations…");
    try {
      const answer = await api("conversations");
      if (run !== conversationsRun) return;
      const rows = answer.rows
        .map((row, index) => ({ row, index }))
        .sort((a, b) => Number(a.row.passed) - Number(b.row.passed) || a.index - b.index)
        .map(({ row }) => row);
      const quoted = (words) => h("q", { text: words });
      const turnItem = (turn, row) =>
        h(
          "li",
          { class: `turn ${turn.passed ? "passed" : turn.ran ? "failed" : "not-run"}`, "data-testid": "conversation-turn", "data-passed": String(turn.passed) },
          h("span", { class: `badge ${turn.passed ? "ok" : "bad"}`, text: turn.passed ? "✓" : turn.ran ? "✗" : "not run" }),
          " ",
          turn.action === "click" ? "taps " : "says ",
          quoted(turn.words),
          turn.expect.length ? [" · expects ", turn.expect.map((e, i) => [i ? ", " : "", h("code", { text: e })])] : null,
          turn.expectNot.length ? [" · not ", turn.expectNot.map((e, i) => [i ? ", " : "", h("code", { text: e })])] : null,
          turn.problem ? h("span", { class: "why", text: turn.problem }) : null,
          turn.missing.length ? h("span", { class: "why", text: `Not in the reply: ${turn.missing.join(", ")}` }) : null,
          turn.unexpected.length ? h("span", { class: "why", text: `In the reply, though it must not be: ${turn.unexpected.join(", ")}` }) : null,
          turn.ran && turn.preview.length
            ? h(
                "details",
                { class: "turn-reply", open: !turn.passed || null },
                h("summary", { text: "The reply" }),
                renderDevice(row.platform, row.surface, botItems(turn), "conversation-preview"),
              )
            : null,
        );
      clear(result).append(
        h(
          "p",
          { class: `totals ${answer.failed ? "bad" : "ok"}`, "data-testid": "conversations-totals" },
          `${answer.total} runs: `,
          h("strong", { "data-testid": "conversations-passed", text: `${answer.passed} passed` }),
          ", ",
          h("strong", { "data-testid": "conversations-failed", text: `${answer.failed} failed` }),
        ),
        h(
          "table",
          { class: "tests conversations-table", "data-testid": "conversations-table" },
          h("caption", { text: "Conversations on each platform, failures first" }),
          h("thead", {}, h("tr", {}, ["Result", "Conversation", "Platform", "Turns"].map((title) => h("th", { scope: "col", text: title })))),
          h(
            "tbody",
            {},
            rows.map((row) =>
              h(
                "tr",
                { class: row.passed ? "passed" : "failed", "data-testid": "conversation-row", "data-passed": String(row.passed), "data-platform": row.platform },
                h("td", { "data-label": "Result" }, h("span", { class: `badge ${row.passed ? "ok" : "bad"}`, text: row.passed ? "✓ pass" : "✗ fail" })),
                h(
                  "td",
                  { "data-label": "Conversation" },
                  h("span", { class: "phrase", text: row.name }),
                  h("span", { class: "note", text: `${row.customer.channel} ${row.customer.uid}, ${row.lang}` }),
                  row.note ? h("span", { class: "note", text: row.note }) : null,
                ),
                h("td", { "data-label": "Platform", text: surfaceName(row.platform, row.surface) }),
                h("td", { "data-label": "Turns" }, h("ol", { class: "turns" }, row.turns.map((turn) => turnItem(turn, row)))),
              ),
            ),
          ),
        ),
      );
      result.removeAttribute("aria-busy");
      announce(`Conversations: ${answer.passed} of ${answer.total} passed, ${answer.failed} failed.`, answer.failed ? "error" : "info");
    } catch (error) {
      if (run === conversationsRun) failed(result, error, "Running the conversations");
    }
  }

  /* ------------------------------------------------------- content status */

  let lastContent = null;
  let contentTimer = 0;
  const CONTENT_EVERY_MS = 5000;

  function startContentStatus() {
    stopContentStatus();
    $("#content-status").hidden = false;
    loadContentStatus();
    contentTimer = window.setInterval(() => {
      if (!document.hidden) loadContentStatus();
    }, CONTENT_EVERY_MS);
  }

  function stopContentStatus() {
    window.clearInterval(contentTimer);
    contentTimer = 0;
    lastContent = null;
    $("#content-status").hidden = true;
    clear($("#content-summary"));
    clear($("#content-locales"));
    $("#content-error").hidden = true;
  }

  function clock(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  }

  function ago(iso) {
    const seconds = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    if (!Number.isFinite(seconds)) return "";
    const format = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
    if (Math.abs(seconds) < 60) return format.format(-seconds, "second");
    if (Math.abs(seconds) < 3600) return format.format(-Math.round(seconds / 60), "minute");
    if (Math.abs(seconds) < 86400) return format.format(-Math.round(seconds / 3600), "hour");
    return format.format(-Math.round(seconds / 86400), "day");
  }

  function where(file, line) {
    if (!file) return "";
    return line ? `${file}, line ${line}` : file;
  }

  /** A language's state, in plain words: fresh, stale entries, kept, or not served. */
  function localeState(locale) {
    const stale = locale.staleEntries || [];
    if (locale.state === "not_served") {
      return { kind: "bad", label: "not served", why: [locale.reason || "its catalog cannot be used", where(locale.file, locale.line)].filter(Boolean).join(" — ") };
    }
    if (locale.state === "kept") {
      return {
        kind: "warn",
        label: "last good version",
        why: [`its file is broken now: ${locale.reason || "it does not load"}`, where(locale.file, locale.line)].filter(Boolean).join(" — "),
      };
    }
    if (stale.length) {
      return { kind: "warn", label: `${stale.length} stale ${stale.length === 1 ? "entry" : "entries"}`, why: `The English changed since they were translated: ${stale.slice(0, 5).join("; ")}${stale.length > 5 ? "; …" : ""}` };
    }
    return { kind: "ok", label: "fresh", why: "" };
  }

  /** Where and when a reload failed, unless the message says where already. */
  function problemWhere(problem) {
    const place = problem.file && !problem.message.includes(problem.file) ? `In ${where(problem.file, problem.line)}` : "";
    const when = problem.at ? clock(problem.at) : "";
    if (place) return `${place}${when ? `, at ${when}` : ""}. `;
    return when ? `At ${when}. ` : "";
  }

  function renderContentStatus(status) {
    const since = status.loadedAt || status.loadedSince;
    const locales = status.locales || [];
    const states = locales.map(localeState);
    const count = (label) => states.filter((s) => s.label === label).length;
    const notServed = count("not served");
    const kept = count("last good version");
    const stale = states.filter((s) => /stale/.test(s.label)).length;
    append(clear($("#content-summary")), [
      h("strong", { text: "Serving " }),
      `${(status.interestTypes || []).join(", ") || "the intents"} in ${locales.length - notServed} languages, loaded at `,
      h("time", { datetime: since, "data-testid": "content-loaded", text: clock(since) }),
      ` (${ago(since)}). `,
      status.reload ? "Edits to intents/ and locales/ are served as soon as they are saved." : "Edits are served after a restart (reloading is off).",
    ]);
    $("#content-languages-summary").textContent =
      `Languages: ${locales.length - notServed - kept - stale} fresh` +
      (stale ? `, ${stale} with stale entries` : "") +
      (kept ? `, ${kept} on their last good version` : "") +
      (notServed ? `, ${notServed} not served` : "");
    clear($("#content-locales")).append(
      ...locales.map((locale, i) =>
        h(
          "li",
          { class: `content-locale content-${states[i].kind}`, lang: locale.tag, "data-locale": locale.code, "data-testid": "content-locale" },
          h("span", { class: "content-locale-name", text: `${locale.name} (${locale.tag})` }),
          " ",
          h("span", { class: `badge ${states[i].kind === "ok" ? "ok" : states[i].kind === "bad" ? "bad" : "warn"}`, lang: "en", text: states[i].label }),
          states[i].why ? h("span", { class: "content-why", lang: "en", text: states[i].why }) : null,
        ),
      ),
    );
    if (notServed || kept) $("#content-languages").open = true;
    const banner = $("#content-error");
    const problem = status.lastError;
    if (problem) {
      clear(banner).append(
        h("p", {}, h("strong", { text: "Your last change was not loaded. " }), problem.message),
        h("p", { class: "content-error-where", text: `${problemWhere(problem)}The service still serves what it loaded at ${clock(since)}; fix the file and save it again.` }),
      );
      banner.hidden = false;
    } else {
      banner.hidden = true;
      clear(banner);
    }
  }

  async function loadContentStatus() {
    try {
      const status = await api("content", { signOutOn401: false });
      if (!options) return; // signed out meanwhile
      lastContent = status;
      renderContentStatus(status);
    } catch (error) {
      if (!options) return;
      if (error instanceof ApiError && error.status === 401) {
        window.clearInterval(contentTimer); // the next action signs out
        return;
      }
      const summary = clear($("#content-summary"));
      summary.append(
        error instanceof ApiError && error.status === 404
          ? "This service does not say what content it serves (no /playground/api/content)."
          : `Could not ask the service what it serves: ${error.message}`,
      );
    }
  }

  /* ---------------------------------------------------------------- start */

  async function start() {
    $("#sign-in-form").addEventListener("submit", signIn);
    $("#sign-out").addEventListener("click", () => signOut());
    $('[role="tablist"]').addEventListener("keydown", tabKeys);
    for (const tab of $$('[role="tab"]')) tab.addEventListener("click", () => selectTab(tab));
    $("#try-form").addEventListener("submit", tryPhrase);
    $("#all-form").addEventListener("submit", tryEveryLanguage);
    for (const textarea of $$("textarea")) {
      textarea.addEventListener("keydown", (event) => {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          textarea.form.requestSubmit();
        }
      });
    }
    $("#replies-form").addEventListener("submit", (event) => {
      event.preventDefault();
      loadReplies(true);
    });
    for (const select of $$("#replies-form select")) select.addEventListener("change", () => loadReplies(false));
    $("#tests-run").addEventListener("click", runPhraseTests);
    $("#conversations-run").addEventListener("click", runConversations);
    $("#conversation-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const input = $("#conversation-text");
      if (input.reportValidity()) sendTurn(input.value, false);
    });
    $("#conversation-restart").addEventListener("click", () => {
      resetConversation(true);
      $("#conversation-text").focus();
    });
    $("#conversation-settings").addEventListener("submit", (event) => event.preventDefault());
    $("#conversation-locale").addEventListener("change", conversationSettingsChanged);
    document.addEventListener("input", syncTwins);
    document.addEventListener("change", syncTwins);

    const key = storedKey();
    if (!key) {
      showSignIn();
      return;
    }
    $("#sign-in").hidden = true;
    announce("Signing in…");
    try {
      showPlayground(await api("options", { key, signOutOn401: false }));
      announce("Signed in.");
    } catch (error) {
      if (error.status === 401) {
        signOut("The service no longer accepts the key of this session. Please sign in again.");
      } else {
        showSignIn(`Could not load the playground: ${error.message}`);
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
