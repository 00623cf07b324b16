// Test target for model-output-to-exec-js (semgrep --test annotations).
const OpenAI = require("openai");
const Anthropic = require("@anthropic-ai/sdk");
const { exec, execFile } = require("child_process");
const child_process = require("child_process");
const vm = require("vm");

const client = new OpenAI();
const anthropic = new Anthropic();

async function runGenerated(prompt) {
  const completion = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: prompt }],
  });
  const code = completion.choices[0].message.content;
  // ruleid: model-output-to-exec-js
  eval(code);
  // ruleid: model-output-to-exec-js
  const fn = new Function("input", code);
  // ruleid: model-output-to-exec-js
  vm.runInNewContext(code, {});
  // ok: model-output-to-exec-js
  const parsed = JSON.parse(code);
  // ok: model-output-to-exec-js
  eval("1 + 1");
  return [fn, parsed];
}

async function shell(prompt) {
  const message = await anthropic.messages.create({
    model: "claude-sonnet-4-5",
    max_tokens: 512,
    messages: [{ role: "user", content: prompt }],
  });
  const command = message.content[0].text;
  // ruleid: model-output-to-exec-js
  child_process.execSync(command);
  // ruleid: model-output-to-exec-js
  exec(command, () => {});
  // ok: model-output-to-exec-js
  execFile("echo", [command], () => {});
}
