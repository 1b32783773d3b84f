"""Execute one notebook headless with Jupyter (nbclient) and export it to self-contained HTML.

Usage: execute_notebook.py NOTEBOOK OUT_DIR KERNEL_NAME CWD
Writes OUT_DIR/<name>.ipynb and OUT_DIR/<name>.html. On the first failing cell it stops, writes the
partly executed notebook as <name>.failed.ipynb, prints the cell number, its source and its error output,
and exits 1. Called by `cefrlab run-notebooks`; kept in Python because nbclient is Jupyter's own executor.
"""
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from nbconvert import HTMLExporter


def cell_error_text(cell):
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
            parts.extend(out.get("traceback", [])[-5:])
        elif out.get("output_type") == "stream" and out.get("name") == "stderr":
            parts.append(out.get("text", ""))
    return "\n".join(p for p in parts if p.strip()) or "(the kernel reported an error without a message)"


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    notebook, out_dir, kernel, cwd = sys.argv[1:5]
    name = os.path.splitext(os.path.basename(notebook))[0]
    try:
        nb = nbformat.read(notebook, as_version=4)
    except Exception as err:  # not JSON, or not a notebook
        sys.stderr.write(f"{notebook}: not a readable notebook ({str(err)[:200]}). Fix: restore it with `git checkout {notebook}`\n")
        sys.exit(1)
    nbformat.validator.normalize(nb)
    client = NotebookClient(nb, kernel_name=kernel, timeout=None, resources={"metadata": {"path": cwd}}, allow_errors=False)
    start = time.time()
    failed = None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        failed = err
    os.makedirs(out_dir, exist_ok=True)
    if failed is not None:
        index = next((i for i, c in enumerate(nb.cells) if c.cell_type == "code" and any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if index is None:
            executed = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.get("execution_count")]
            index = executed[-1] if executed else 0
        cell = nb.cells[index]
        write_atomic(os.path.join(out_dir, name + ".failed.ipynb"), nbformat.writes(nb))
        sys.stderr.write(f"{notebook}: cell {index + 1} failed\n---- source ----\n{cell.source}\n---- error ----\n{cell_error_text(cell)}\n")
        sys.exit(1)
    write_atomic(os.path.join(out_dir, name + ".ipynb"), nbformat.writes(nb))
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    write_atomic(os.path.join(out_dir, name + ".html"), html)
    stale = os.path.join(out_dir, name + ".failed.ipynb")
    if os.path.exists(stale):
        os.remove(stale)
    print(f"{notebook}: {len(nb.cells)} cells in {time.time() - start:.1f}s -> {out_dir}/{name}.ipynb, .html")


if __name__ == "__main__":
    main()
