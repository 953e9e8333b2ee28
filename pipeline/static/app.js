// Kết nạp: small enhancements; every page works without them. No inline scripts anywhere (CSP).
(function () {
  "use strict";
  // A form is sent once: on a slow connection a second tap would only meet "the case has changed".
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.method.toLowerCase() !== "post" || event.defaultPrevented) {
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });
  // Coming back with the browser's Back button shows the page as it was left: enable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form button[type=submit][disabled]").forEach(function (button) {
      button.disabled = false;
    });
  });

  // Long downloads (a branch's PDF, big exports): a link marked data-long-download="<what is
  // being made>" is followed with a random token in its query, and the page says that the server
  // is at work until the answer comes. The server answers, file or error page, with a cookie named
  // after the token whose value is the answer's status (pipeline/exports/progress.py): there is no
  // other way to learn that a download has begun. The browser goes to the link as usual, so a file
  // is downloaded while the page stays, a PDF shown inline or an error page replaces it, exactly as
  // without this script.
  var TOKEN_ARG = "download_token";
  var COOKIE_PREFIX = "download-";
  var LOOK_EVERY_MS = 500;
  var SLOW_AFTER_MS = 3 * 60 * 1000; // then say so, and keep looking
  var CLEAR_AFTER_MS = 6000; // "the download has started" is read, then goes
  var pending = []; // {link, status, cookie, started, timer, slow}: waiting for their cookie

  function newToken() {
    // getRandomValues works on plain HTTP too (office networks); randomUUID would not.
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (byte) {
      return ("0" + byte.toString(16)).slice(-2);
    }).join("");
  }

  function readCookie(name) {
    var found = null;
    document.cookie.split(";").forEach(function (part) {
      var at = part.indexOf("=");
      if (at > 0 && part.slice(0, at).trim() === name) {
        found = part.slice(at + 1).trim();
      }
    });
    return found;
  }

  function dropCookie(name) {
    document.cookie = name + "=; Max-Age=0; path=/; SameSite=Lax";
  }

  function statusFor(link) {
    var area = link.closest("[data-long-download-area]");
    var status = area && area.querySelector(".long-download-status");
    if (!status) { // a link without the template's live region still shows something
      status = document.createElement("span");
      status.className = "long-download-status small";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      link.insertAdjacentElement("afterend", status);
    }
    return status;
  }

  function show(status, text, kind) {
    status.textContent = "";
    status.classList.remove("text-body-secondary", "text-success", "text-danger");
    status.classList.add(kind === "failed" ? "text-danger" : kind === "done" ? "text-success" : "text-body-secondary");
    if (kind === "busy") {
      var spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-1";
      spinner.setAttribute("aria-hidden", "true");
      status.appendChild(spinner);
    }
    status.appendChild(document.createTextNode(text || ""));
  }

  function finish(wait, code) {
    forget(wait);
    if (code >= 200 && code < 400) {
      show(wait.status, wait.status.getAttribute("data-done"), "done");
      window.setTimeout(function () {
        if (wait.status.longDownload === wait) { // not since taken by another download
          wait.status.textContent = "";
        }
      }, CLEAR_AFTER_MS);
    } else {
      show(wait.status, (wait.status.getAttribute("data-failed") || "") + " (" + code + ")", "failed");
    }
  }

  function forget(wait) {
    window.clearInterval(wait.timer);
    pending = pending.filter(function (other) { return other !== wait; });
    wait.link.removeAttribute("aria-disabled");
    dropCookie(wait.cookie);
    wait.status.textContent = "";
  }

  // The answer's cookie, if it has come: the wait ends with its status. False while none has.
  function settle(wait) {
    var value = readCookie(wait.cookie);
    if (value === null) {
      return false;
    }
    finish(wait, parseInt(value, 10) || 0);
    return true;
  }

  function startDownload(link) {
    // The browser goes to one place at a time: a download still waiting for its answer is
    // abandoned by the next one (one whose answer came is only not looked at yet).
    pending.slice().forEach(function (wait) {
      if (!settle(wait)) {
        forget(wait);
      }
    });
    var token = newToken();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set(TOKEN_ARG, token);
    var wait = {link: link, status: statusFor(link), cookie: COOKIE_PREFIX + token, started: Date.now()};
    wait.status.longDownload = wait;
    link.setAttribute("aria-disabled", "true");
    show(wait.status, link.getAttribute("data-long-download"), "busy");
    wait.timer = window.setInterval(function () {
      if (!settle(wait) && !wait.slow && Date.now() - wait.started > SLOW_AFTER_MS) {
        wait.slow = true;
        show(wait.status, wait.status.getAttribute("data-slow") || link.getAttribute("data-long-download"), "busy");
      }
    }, LOOK_EVERY_MS);
    pending.push(wait);
    window.location.assign(url.href);
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a[data-long-download]");
    // A new tab or window (modifier keys, middle button) is the browser's business: a plain link.
    if (!link || event.defaultPrevented || event.button !== 0 ||
        event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    // Already asked: a second click would only make the server do the same work twice.
    if (!pending.some(function (wait) { return wait.link === link; })) {
      startDownload(link);
    }
  });

  // Back from a PDF or an error page that replaced this one: the page comes back from the
  // browser's cache as it was left, still waiting. Nothing is on its way any more.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) {
      return;
    }
    pending.slice().forEach(forget);
  });
  // Unit pickers (templates/units/_picker.html): typing searches the user's units, the listbox
  // shows what the server found (its HTML, escaped there), arrows move, Enter or a tap chooses,
  // Escape closes. The choice goes to the hidden field, whose "change" the page listens to.
  var SEARCH_DELAY_MS = 250;

  function pickerParts(picker) {
    return {
      input: picker.querySelector("[role=combobox]"),
      hidden: picker.querySelector("input[type=hidden]"),
      list: picker.querySelector("[role=listbox]")
    };
  }

  function pickerOptions(parts) {
    return Array.prototype.slice.call(parts.list.querySelectorAll("[role=option]"));
  }

  function closeList(parts) {
    parts.list.hidden = true;
    parts.input.setAttribute("aria-expanded", "false");
    parts.input.removeAttribute("aria-activedescendant");
  }

  function activate(parts, option) {
    pickerOptions(parts).forEach(function (other) {
      other.setAttribute("aria-selected", other === option ? "true" : "false");
      other.classList.toggle("active", other === option);
    });
    if (option) {
      parts.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({block: "nearest"});
    } else {
      parts.input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(parts, option) {
    parts.input.value = option.getAttribute("data-unit-name");
    parts.hidden.value = option.getAttribute("data-unit-id");
    closeList(parts);
    parts.hidden.dispatchEvent(new Event("change", {bubbles: true}));
  }

  function searchUnits(picker, parts) {
    var text = parts.input.value.trim();
    if (!text) {
      closeList(parts);
      return;
    }
    var url = new URL(picker.getAttribute("data-search"), window.location.href);
    url.searchParams.set("q", text);
    var asked = picker.unitSearch = url.href;
    window.fetch(url.href, {credentials: "same-origin", headers: {"Accept": "text/html"}})
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (picker.unitSearch !== asked || parts.input.value.trim() !== text) {
          return; // an answer to older typing
        }
        parts.list.innerHTML = html;
        parts.list.hidden = !html.trim();
        parts.input.setAttribute("aria-expanded", parts.list.hidden ? "false" : "true");
        activate(parts, null);
      })
      .catch(function () { closeList(parts); });
  }

  function setUpPicker(picker) {
    var parts = pickerParts(picker);
    if (!parts.input || !parts.hidden || !parts.list || picker.unitPicker) {
      return;
    }
    picker.unitPicker = true;
    var timer = null;
    parts.input.addEventListener("input", function () {
      // The typed text no longer names the chosen unit; an emptied field is no filter at all.
      if (parts.hidden.value) {
        parts.hidden.value = "";
        if (!parts.input.value.trim()) {
          parts.hidden.dispatchEvent(new Event("change", {bubbles: true}));
        }
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { searchUnits(picker, parts); }, SEARCH_DELAY_MS);
    });
    parts.input.addEventListener("keydown", function (event) {
      var options = pickerOptions(parts);
      var current = options.indexOf(parts.list.querySelector("[role=option][aria-selected=true]"));
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (parts.list.hidden) {
          searchUnits(picker, parts);
        } else if (options.length) {
          var step = event.key === "ArrowDown" ? 1 : -1;
          activate(parts, options[(current + step + options.length) % options.length]);
        }
        event.preventDefault();
      } else if (event.key === "Enter" && !parts.list.hidden) {
        // The active option, or the only one; otherwise the list stays open to choose from.
        var option = current >= 0 ? options[current] : options.length === 1 ? options[0] : null;
        if (option) {
          choose(parts, option);
        }
        event.preventDefault();
      } else if (event.key === "Escape" && !parts.list.hidden) {
        closeList(parts);
        event.preventDefault();
      }
    });
    parts.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // the field keeps the focus (and the list is not closed by blur)
    });
    parts.list.addEventListener("click", function (event) {
      var option = event.target instanceof Element && event.target.closest("[role=option]");
      if (option) {
        choose(parts, option);
        parts.input.focus();
      }
    });
    parts.input.addEventListener("blur", function () {
      closeList(parts);
    });
  }

  function setUpPickers(root) {
    (root || document).querySelectorAll("[data-unit-picker]").forEach(setUpPicker);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { setUpPickers(); });
  } else {
    setUpPickers();
  }
})();
