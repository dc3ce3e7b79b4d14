"""Preprocessors the course adds to nbgrader's pipelines (see nbgrader_config.py)."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor


class TrimTracebacks(NbGraderPreprocessor):
    """Cut every error in feedback down to its last line: the exception and its message.

    nbgrader's ClearHiddenTests removes hidden tests from the cell source, but
    a traceback from a failing hidden test quotes the lines around the failing
    ``assert``, which would show trainees the hidden test. The message written
    for the trainee is kept; the code around it is not.
    """

    def preprocess_cell(
        self, cell: NotebookNode, resources: ResourcesDict, cell_index: int
    ) -> tuple[NotebookNode, ResourcesDict]:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
