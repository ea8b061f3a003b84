// humanadd dashboard: small enhancements on top of pages that work without JavaScript.
"use strict";

// <button data-copy="ID">: copies the value (or text) of the element with that id.
function setUpCopyButtons() {
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", async () => {
      const source = document.getElementById(button.dataset.copy);
      const text = "value" in source ? source.value : source.textContent;
      try {
        await navigator.clipboard.writeText(text);
      } catch (error) {
        source.select && source.select();
        document.execCommand("copy");
      }
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
}

// <form data-confirm="…">: asks before the form is sent.
function setUpConfirmations() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
}

// A transcript whose lines carry data-start (seconds): a click seeks the <audio>, and the
// line being played is marked.
function setUpTranscript() {
  const audio = document.querySelector("audio[data-transcript]");
  if (!audio) return;
  const lines = Array.from(document.querySelectorAll(`#${audio.dataset.transcript} li[data-start]`));
  lines.forEach((line) => {
    const button = line.querySelector("button.seek");
    if (!button) return;
    button.addEventListener("click", () => {
      audio.currentTime = parseFloat(line.dataset.start);
      audio.play().catch(() => {});
    });
  });
  audio.addEventListener("timeupdate", () => {
    const now = audio.currentTime;
    let current = null;
    lines.forEach((line) => {
      if (parseFloat(line.dataset.start) <= now) current = line;
    });
    lines.forEach((line) => {
      const playing = line === current;
      line.classList.toggle("playing", playing);
      if (playing) line.setAttribute("aria-current", "true");
      else line.removeAttribute("aria-current");
    });
  });
}

// <main data-refresh="SECONDS">: an ongoing call's page reloads itself until the call ends.
function setUpRefresh() {
  const main = document.querySelector("[data-refresh]");
  if (!main) return;
  setTimeout(() => window.location.reload(), parseFloat(main.dataset.refresh) * 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCopyButtons();
  setUpConfirmations();
  setUpTranscript();
  setUpRefresh();
});
