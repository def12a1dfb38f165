"""Prints, as JSON, the command lines of the pod operators in a DAG file: [{"line", "argv"}].

Reads the file from stdin. Without importing Airflow, it evaluates the module's top-level
assignments that need nothing but literals and earlier such names (how the example DAGs build
their scripts), then each call's `cmds` + `arguments` keywords (KubernetesPodOperator's command
and args) when both evaluate to lists of strings.
"""

import ast
import json
import sys

source = sys.stdin.read()
tree = ast.parse(source)
names: dict = {}
for node in tree.body:
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        try:
            exec(compile(ast.Module(body=[node], type_ignores=[]), "<dag>", "exec"), {"__builtins__": {}}, names)
        except Exception:  # noqa: BLE001 - anything needing imports or calls is not a script literal
            pass


def evaluate(expr):
    try:
        value = eval(compile(ast.Expression(expr), "<dag>", "eval"), {"__builtins__": {}}, dict(names))
    except Exception:  # noqa: BLE001
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


found = []
for node in ast.walk(tree):
    if isinstance(node, ast.Call):
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        if "cmds" in keywords:
            cmds = evaluate(keywords["cmds"])
            arguments = evaluate(keywords["arguments"]) if "arguments" in keywords else []
            if cmds is not None and arguments is not None:
                found.append({"line": node.lineno, "argv": cmds + arguments})
print(json.dumps(found))
