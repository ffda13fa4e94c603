"""Gradescope's "Download all submissions" export, read as it is.

The export is a folder holding ``submission_metadata.yml`` and one ``submission_<id>/``
folder per submission (the files the student uploaded: every notebook has the same name).
The metadata is written by Ruby: its keys are symbols (``:submitters:``, ``:name:``) and
some values carry Ruby tags (``!ruby/object:BigDecimal``, ``!ruby/hash:...``). It is read
with PyYAML's ``SafeLoader`` plus a constructor for those tags (never an unsafe load): a
tag's content is read as plain YAML data, and a leading ``:`` is dropped from every key.

:func:`read_export` returns the submissions with their submitters: a group submission has
several, and ``grades.csv`` gives each submitter a row of their own.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

METADATA = "submission_metadata.yml"
FOLDER_PREFIX = "submission_"


class ExportError(ValueError):
    """The export's metadata cannot be read; the message says why."""


class _RubyLoader(yaml.SafeLoader):
    """SafeLoader that reads Ruby-tagged nodes as the plain data they hold."""


def _ruby_node(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


for _prefix in ("!ruby/", "tag:yaml.org,2002:ruby/"):
    _RubyLoader.add_multi_constructor(_prefix, _ruby_node)


def _plain_keys(value: Any) -> Any:
    """``value`` with the Ruby symbol colon dropped from every key (``:name`` -> ``name``)."""
    if isinstance(value, dict):
        return {(k[1:] if isinstance(k, str) and k.startswith(":") else k): _plain_keys(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_keys(v) for v in value]
    return value


def load_metadata(path: str | Path) -> dict[str, Any]:
    """The export's ``submission_metadata.yml`` as plain data: {folder name: metadata}."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            data = yaml.load(f, Loader=_RubyLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as e:
        raise ExportError(f"{Path(path).name} is not readable YAML: {e}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{Path(path).name} does not map submission folders to metadata")
    return _plain_keys(data)


@dataclass
class Submitter:
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass
class Submission:
    """One ``submission_<id>/`` folder of the export and who submitted it."""

    folder: Path
    submission_id: str
    submitters: list[Submitter] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)


def is_export(folder: str | Path) -> bool:
    """Is ``folder`` a Gradescope export (it holds ``submission_metadata.yml``)?"""
    return (Path(folder) / METADATA).is_file()


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def submitters_of(metadata: dict[str, Any]) -> list[Submitter]:
    people = metadata.get("submitters") if isinstance(metadata, dict) else None
    return [Submitter(_text(p.get("name")), _text(p.get("email")), _text(p.get("sid")))
            for p in people or [] if isinstance(p, dict)]


def read_export(folder: str | Path) -> list[Submission]:
    """Every ``submission_<id>/`` folder of the export, with its submitters from the metadata
    (none when the metadata does not list it), sorted by folder name."""
    folder = Path(folder)
    metadata = load_metadata(folder / METADATA)
    subs = []
    for path in sorted(folder.iterdir()):
        if not (path.name.startswith(FOLDER_PREFIX) and path.is_dir()
                and not path.is_symlink()):
            continue
        meta = metadata.get(path.name) or {}
        subs.append(Submission(folder=path, submission_id=path.name[len(FOLDER_PREFIX):],
                               submitters=submitters_of(meta),
                               metadata=meta if isinstance(meta, dict) else {}))
    return subs
