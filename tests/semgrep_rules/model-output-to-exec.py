"""Test target for model-output-to-exec-python (semgrep --test annotations)."""
# ruff: noqa  (deliberately vulnerable test target: undefined names, unused results)
import ast
import os
import shlex
import subprocess

import anthropic
from langchain_openai import ChatOpenAI
from openai import OpenAI

client = OpenAI()
claude = anthropic.Anthropic()
llm = ChatOpenAI(model="gpt-4o")


def run_generated(prompt):
    completion = client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": prompt}]
    )
    code = completion.choices[0].message.content
    # ruleid: model-output-to-exec-python
    exec(code)
    # ruleid: model-output-to-exec-python
    eval(compile(code, "<llm>", "exec"))
    # ok: model-output-to-exec-python
    tree = ast.literal_eval(code)
    # ok: model-output-to-exec-python
    exec("print('static')")
    return tree


def shell_from_claude(prompt):
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=512,
                                     messages=[{"role": "user", "content": prompt}])
    command = message.content[0].text
    # ruleid: model-output-to-exec-python
    os.system(command)
    # ruleid: model-output-to-exec-python
    subprocess.run(command, shell=True, check=True)
    # ok: model-output-to-exec-python
    subprocess.run(["echo", command], check=True)
    # ok: model-output-to-exec-python
    os.system("echo " + shlex.quote(command))


def langchain(prompt):
    answer = llm.invoke(prompt).content
    # ruleid: model-output-to-exec-python
    os.popen(answer)
    reply = client.responses.create(model="gpt-4o", input=prompt)
    # ruleid: model-output-to-exec-python
    subprocess.check_output(reply.output_text, shell=True)
    # ok: model-output-to-exec-python
    print(reply.output_text)


async def async_client(aclient, prompt):
    resp = await aclient.chat.completions.create(model="gpt-4o", messages=[])
    # ruleid: model-output-to-exec-python
    exec(resp.choices[0].message.content)
