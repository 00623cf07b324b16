// Test target for model-output-to-exec-js on TypeScript (semgrep --test annotations).
import { execSync } from "child_process";
import OpenAI from "openai";

const openai = new OpenAI();

export async function fix(prompt: string): Promise<string> {
  const response = await openai.responses.create({ model: "gpt-4o", input: prompt });
  // ruleid: model-output-to-exec-js
  execSync(response.output_text);
  // ok: model-output-to-exec-js
  execSync("git status");
  return response.output_text;
}
