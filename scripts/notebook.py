"""Write a notebook from a list of (kind, source) cells: the project's notebooks are built from short,
readable cell lists and committed without outputs. Usage from Python: write_notebook(path, cells)."""
import json
import os


def write_notebook(path, cells):
    nb_cells = []
    for i, (kind, source) in enumerate(cells):
        source = source.strip("\n")
        lines = source.split("\n")
        src = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        cell = {"cell_type": kind, "id": f"c{i:02d}", "metadata": {}, "source": src}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        nb_cells.append(cell)
    nb = {
        "cells": nb_cells,
        "metadata": {
            "kernelspec": {"name": "cefrlab", "display_name": "TypeScript (CEFR Lab)", "language": "typescript"},
            "language_info": {"name": "typescript", "file_extension": ".ts", "mimetype": "text/typescript"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, path)
