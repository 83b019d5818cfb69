// Checks tool calls through a running examples/serve with the official
// openai client. main_test.go starts the server on the tiny v3 model (whose
// vocabulary has the tool tokens) and runs this with
//
//	SERVE_URL=http://127.0.0.1:PORT SERVE_KEY=KEY SERVE_MODEL=NAME node check_tools.mjs
//
// It prints one line per check and "N passed, M failed"; it exits 1 if a
// check failed.
import assert from "node:assert/strict";
import OpenAI from "openai";
import { check, finish } from "./harness.mjs";
import { z } from "zod";

const url = process.env.SERVE_URL;
const apiKey = process.env.SERVE_KEY;
const model = process.env.SERVE_MODEL;
assert.ok(url && apiKey && model, "SERVE_URL, SERVE_KEY and SERVE_MODEL must be set");
const client = new OpenAI({ baseURL: url + "/v1", apiKey, maxRetries: 4, timeout: 300_000 });


// The tools of mistral-common's weather sample, and zod schemas of their
// parameters to validate the calls' arguments with.
const format = { type: "string", enum: ["celsius", "fahrenheit"], description: "The temperature unit to use." };
const location = { type: "string", description: "The city and state, e.g. San Francisco, CA" };
const tools = [
  { type: "function", function: { name: "get_current_weather", description: "Get the current weather",
    parameters: { type: "object", properties: { location, format }, required: ["location", "format"] } } },
  { type: "function", function: { name: "get_n_day_weather_forecast", description: "Get an N-day weather forecast",
    parameters: { type: "object", properties: { location, format,
      num_days: { type: "integer", description: "The number of days to forecast" } },
      required: ["location", "format", "num_days"] } } },
];
const argsOf = {
  get_current_weather: z.object({ location: z.string(), format: z.enum(["celsius", "fahrenheit"]) }),
  get_n_day_weather_forecast: z.object({ location: z.string(), format: z.enum(["celsius", "fahrenheit"]),
    num_days: z.number().int() }),
};
const question = [{ role: "user", content: "What's the weather like in Paris over the next 3 days?" }];

function checkCalls(calls, only) {
  assert.ok(Array.isArray(calls) && calls.length > 0, "no tool calls");
  for (const c of calls) {
    assert.equal(c.type, "function");
    assert.match(c.id, /^[A-Za-z0-9]{9}$/);
    assert.ok(c.function.name in argsOf, "a call of an unknown tool " + c.function.name);
    if (only) assert.equal(c.function.name, only);
    argsOf[c.function.name].parse(JSON.parse(c.function.arguments)); // throws if invalid
  }
}

const bySeed = {};
await check("tool_choice required: calls that parse and validate", async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const temperature = (seed % 4) * 0.5;
    const r = await client.chat.completions.create({ model, messages: question, tools, tool_choice: "required",
      seed, temperature, max_tokens: 150 });
    const c = r.choices[0];
    assert.equal(c.finish_reason, "tool_calls");
    assert.equal(c.message.content, null);
    checkCalls(c.message.tool_calls);
    bySeed[seed] = c.message.tool_calls;
  }
});

await check("a named tool: calls of that tool only", async () => {
  const name = "get_n_day_weather_forecast";
  const r = await client.chat.completions.create({ model, messages: question, tools, seed: 5, temperature: 1,
    max_tokens: 150, tool_choice: { type: "function", function: { name } } });
  assert.equal(r.choices[0].finish_reason, "tool_calls");
  checkCalls(r.choices[0].message.tool_calls, name);
});

await check("tool_choice none: never a call", async () => {
  for (let seed = 1; seed <= 4; seed++) {
    const r = await client.chat.completions.create({ model, messages: question, tools, tool_choice: "none",
      seed, temperature: 1, max_tokens: 20 });
    assert.notEqual(r.choices[0].finish_reason, "tool_calls");
    assert.equal(r.choices[0].message.tool_calls, undefined);
  }
});

await check("the stream helper assembles streamed tool calls", async () => {
  const seed = 3;
  const stream = client.chat.completions.stream({ model, messages: question, tools, tool_choice: "required",
    seed, temperature: (seed % 4) * 0.5, max_tokens: 150 });
  const final = await stream.finalChatCompletion();
  const c = final.choices[0];
  assert.equal(c.finish_reason, "tool_calls");
  checkCalls(c.message.tool_calls);
  assert.deepEqual(c.message.tool_calls.map((t) => [t.id, t.function.name, t.function.arguments]),
    bySeed[seed].map((t) => [t.id, t.function.name, t.function.arguments]), "the same seed, the same calls");
});

await check("results back, then an answer", async () => {
  const r = await client.chat.completions.create({ model, messages: question, tools, tool_choice: "required",
    seed: 7, temperature: 0.5, max_tokens: 150 });
  const calls = r.choices[0].message.tool_calls;
  const messages = [...question, { role: "assistant", content: null, tool_calls: calls },
    ...calls.map((c) => ({ role: "tool", tool_call_id: c.id, content: JSON.stringify({ temperature: 22, sky: "clear" }) }))];
  const answer = await client.chat.completions.create({ model, messages, tools, tool_choice: "none", temperature: 0,
    max_tokens: 20 });
  assert.equal(typeof answer.choices[0].message.content, "string");
  assert.ok(answer.usage.prompt_tokens_details.cached_tokens > 0, "the conversation so far came from the cache");
});

finish();
