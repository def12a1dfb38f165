"""Executes tutorial notebooks headless, as JupyterLab's "Run All" would, and reports on each.

Usage: run_notebooks.py <output dir> <notebook.ipynb>...

Runs in a venv holding the line's Spark Connect client, ipykernel, nbclient and nbformat, with a
kernel named like the notebook image's ("spark-connect") registered in that venv. SPARK_REMOTE in
the environment names the Connect server; the kernel inherits it. Each notebook is validated against
the nbformat schema before and after execution, executed with nbclient (cells tagged
raises-exception may fail, every other error stops the notebook, as in JupyterLab), and written with
its outputs to the output dir. Prints ONE JSON line: a list with one report per notebook.
"""
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def validation_error(nb):
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as error:
        return str(error).splitlines()[0]
    return None


def run(path, out_dir, timeout):
    report = {"notebook": os.path.basename(path)}
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    report["nbformat"] = [nb.nbformat, nb.nbformat_minor]
    report["validationError"] = validation_error(nb)
    client = NotebookClient(nb, timeout=timeout, kernel_name=nb.metadata.kernelspec.name, resources={"metadata": {"path": out_dir}})
    started = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as error:
        report["error"] = str(error)[-3000:]
    except Exception as error:  # noqa: BLE001 - a kernel that dies or times out is a failure to report
        report["error"] = f"{type(error).__name__}: {str(error)[-3000:]}"
    report["seconds"] = round(time.monotonic() - started, 1)
    report["executedValidationError"] = validation_error(nb)
    executed = os.path.join(out_dir, os.path.basename(path))
    nbformat.write(nb, executed)
    report["executed"] = executed
    return report


def main():
    out_dir, paths = sys.argv[1], sys.argv[2:]
    timeout = int(os.environ.get("NOTEBOOK_CELL_TIMEOUT", "600"))
    os.makedirs(out_dir, exist_ok=True)
    print(json.dumps([run(p, out_dir, timeout) for p in paths]), flush=True)


main()
