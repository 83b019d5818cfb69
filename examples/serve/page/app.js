// The chat page: keeps the conversation, sends it whole to
// /v1/chat/completions with stream: true, and shows the answer as its
// chunks arrive. Stop aborts the request (the server then stops
// generating). Settings are kept in the browser's localStorage.
"use strict";

const $ = (id) => document.getElementById(id);
const log = $("log"), input = $("input"), send = $("send"), stop = $("stop"), status = $("status");
const settings = ["system", "temperature", "max-tokens", "api-key"];

let conversation = [];   // {role, content} of the turns so far
let controller = null;   // aborts the request running
document.body.dataset.state = "idle";

for (const id of settings) {
  const saved = localStorage.getItem("gomistral." + id);
  if (saved !== null) $(id).value = saved;
  $(id).addEventListener("change", () => localStorage.setItem("gomistral." + id, $(id).value));
}

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function show(role, text) {
  const div = document.createElement("div");
  div.className = "msg " + role;
  div.textContent = text;
  log.appendChild(div);
  log.scrollTop = log.scrollHeight;
  return div;
}

function setBusy(busy) {
  send.disabled = busy;
  stop.disabled = !busy;
  document.body.dataset.state = busy ? "busy" : "idle";
}

// events yields the data of each server-sent event of a response.
async function* events(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += decoder.decode(value, { stream: true });
    let end;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (data) yield data;
    }
  }
}

async function ask(text) {
  conversation.push({ role: "user", content: text });
  show("user", text);
  const out = show("assistant", "");
  let answer = "";
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  messages.push(...conversation);
  const body = {
    messages,
    stream: true,
    temperature: Number($("temperature").value),
    max_tokens: Number($("max-tokens").value) || undefined,
  };
  controller = new AbortController();
  setBusy(true);
  status.textContent = "";
  const started = performance.now();
  let tokens = 0, first = 0;
  try {
    const response = await fetch("v1/chat/completions", {
      method: "POST", headers: headers(), body: JSON.stringify(body), signal: controller.signal,
    });
    if (!response.ok) {
      const err = await response.json().catch(() => ({}));
      throw new Error((err.error && err.error.message) || response.statusText);
    }
    for await (const data of events(response)) {
      if (data === "[DONE]") break;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message);
      for (const choice of chunk.choices) {
        const piece = choice.delta && choice.delta.content;
        if (piece) {
          if (!first) first = performance.now();
          answer += piece;
          tokens++;
          out.textContent = answer;
          log.scrollTop = log.scrollHeight;
        }
        if (choice.finish_reason) out.dataset.finish = choice.finish_reason;
      }
    }
    const secs = (performance.now() - started) / 1000;
    status.textContent = `${tokens} chunks in ${secs.toFixed(2)} s` +
      (first ? `, first after ${((first - started) / 1000).toFixed(2)} s` : "");
  } catch (err) {
    if (err.name === "AbortError") {
      out.dataset.finish = "stopped";
      status.textContent = "stopped";
    } else {
      out.classList.add("error");
      out.textContent = answer + (answer ? "\n" : "") + "Error: " + err.message;
      out.dataset.finish = "error";
    }
  } finally {
    // What was received stays in the conversation, even when stopped; a
    // question with no answer at all is taken back.
    if (answer) conversation.push({ role: "assistant", content: answer });
    else conversation.pop();
    out.dataset.done = "true";
    controller = null;
    setBusy(false);
    input.focus();
  }
}

$("form").addEventListener("submit", (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text || controller) return;
  input.value = "";
  ask(text);
});

input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) {
    e.preventDefault();
    $("form").requestSubmit();
  }
});

stop.addEventListener("click", () => { if (controller) controller.abort(); });

$("new").addEventListener("click", () => {
  if (controller) controller.abort();
  conversation = [];
  log.textContent = "";
  status.textContent = "";
});

fetch("v1/models", { headers: headers() })
  .then((r) => r.json())
  .then((list) => { if (list.data && list.data[0]) $("model").textContent = list.data[0].id; })
  .catch(() => {});
