#!/usr/bin/python3
"""Checks notebooks executed by Jupyter (nbconvert --execute) with the peft4j kernel.

usage: check_notebooks.py TUTORIAL.ipynb [OTHER.ipynb ...]

Every notebook: no `error` output, every code cell executed. The first one (the tutorial) also:
  - prints the tutorial's trainable-parameters line exactly;
  - shows the LoRA configs, the PeftModel summary and the parameter table with both text/html
    and text/plain.
Exits 1, listing every problem, if anything is off. Uses only the standard library.
"""
import json
import sys

TUTORIAL_LINE = ("trainable params: 1,572,864 || all params: 332,769,280 "
                 "|| trainable%: 0.472659014678278")


def text(value):
    """nbformat multiline string: a string or a list of lines."""
    return "".join(value) if isinstance(value, list) else (value or "")


def last_line(source):
    lines = [l.strip() for l in text(source).splitlines() if l.strip()]
    return lines[-1] if lines else ""


def check(path, tutorial, problems):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    code_cells = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not code_cells:
        problems.append(f"{path}: no code cells")
    all_text = []
    for i, cell in enumerate(code_cells):
        if cell.get("execution_count") is None and text(cell.get("source")).strip():
            problems.append(f"{path}: code cell {i} was not executed")
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "error":
                problems.append(f"{path}: code cell {i} failed: {out.get('ename')}: "
                                f"{out.get('evalue')}\n" + "\n".join(out.get("traceback", [])))
            elif kind == "stream":
                all_text.append(text(out.get("text")))
            elif kind in ("execute_result", "display_data"):
                all_text.append(text(out.get("data", {}).get("text/plain")))
    if not tutorial:
        return
    if TUTORIAL_LINE not in "\n".join(all_text).splitlines():
        problems.append(f"{path}: the line {TUTORIAL_LINE!r} is missing from the outputs")
    # Cells whose last line is this expression must show it as HTML and as plain text.
    rich = {
        "loraFromJson": "LoRA config read from JSON",
        "loraConfig": "LoRA config from the builder",
        "loraModel": "PeftModel summary",
        "ai.peft4j.nn.ParameterTable.byType(loraModel.parameterTable())": "parameter table",
    }
    for expr, what in rich.items():
        cells = [c for c in code_cells if last_line(c.get("source")) == expr]
        if not cells:
            problems.append(f"{path}: no cell ending in `{expr}` ({what})")
            continue
        for c in cells:
            bundles = [o.get("data", {}) for o in c.get("outputs", [])
                       if o.get("output_type") in ("execute_result", "display_data")]
            if not any("text/html" in b and "text/plain" in b for b in bundles):
                got = [sorted(b) for b in bundles]
                problems.append(f"{path}: {what} (`{expr}`) has no output with both text/html "
                                f"and text/plain; got {got}")


def main(args):
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    problems = []
    for i, path in enumerate(args):
        try:
            check(path, i == 0, problems)
        except (OSError, ValueError) as e:
            problems.append(f"{path}: cannot read: {e}")
    for p in problems:
        print("FAIL " + p, file=sys.stderr)
    if problems:
        return 1
    print(f"OK: {len(args)} executed notebook(s) checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
