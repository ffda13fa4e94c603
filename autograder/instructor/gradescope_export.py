"""Gradescope's "Download all submissions" export, read as it is.

The export is a folder holding ``submission_metadata.yml`` and one ``submission_<id>/``
folder per submission (the files the student uploaded: every notebook has the same name).
The metadata is written by Ruby: its keys are symbols (``:submitters:``, ``:name:``) and
some values carry Ruby tags (``!ruby/object:BigDecimal``, ``!ruby/hash:...``). It is read
with PyYAML's ``SafeLoader`` plus a constructor for those tags (never an unsafe load): a
tag's content is read as plain YAML data, and a leading ``:`` is dropped from every key.
Hostile metadata is refused with an :class:`ExportError` (a link, over ``MAX_METADATA``
bytes, nested past the parser, a key given twice); an alias stays one shared value (never
copied out: a billion laughs costs its size), and a submitter's field that is not a plain
scalar is read as empty.

:func:`read_export` returns the submissions with their submitters: a group submission has
several, and ``grades.csv`` gives each submitter a row of their own.
"""

import datetime
import errno
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

METADATA = "submission_metadata.yml"
FOLDER_PREFIX = "submission_"
MAX_METADATA = 64 * 2**20  # bytes: Gradescope's for a thousand submissions is a few MB


class ExportError(ValueError):
    """The export's metadata cannot be read; the message says why."""


class _RubyLoader(yaml.SafeLoader):
    """SafeLoader that reads Ruby-tagged nodes as the plain data they hold, drops the Ruby
    symbol colon from keys (``:name`` -> ``name``) and refuses a key given twice."""

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)  # its error
        self.flatten_mapping(node)
        mapping = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str) and key.startswith(":"):
                key = key[1:]
            if not isinstance(key, str | int | float | bool | type(None)):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key that is not plain data", key_node.start_mark)
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} is given twice", key_node.start_mark)
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _ruby_node(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_scalar(node)


for _prefix in ("!ruby/", "tag:yaml.org,2002:ruby/"):
    _RubyLoader.add_multi_constructor(_prefix, _ruby_node)


def load_metadata(path: str | Path) -> dict[str, Any]:
    """The export's ``submission_metadata.yml`` as plain data: {folder name: metadata}."""
    name = Path(path).name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise ExportError(f"{name} is a symbolic link (links are not followed)") from None
        raise ExportError(f"{name} cannot be read ({e.strerror})") from None
    with open(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ExportError(f"{name} is not a regular file")
        if info.st_size > MAX_METADATA:
            raise ExportError(f"{name} is too large ({info.st_size} bytes, at most "
                              f"{MAX_METADATA})")
        text = f.read(MAX_METADATA + 1).decode("utf-8", errors="replace")
    try:
        data = yaml.load(text, Loader=_RubyLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as e:
        raise ExportError(f"{name} is not readable YAML: {e}") from None
    except RecursionError:
        raise ExportError(f"{name} is nested too deeply to be read") from None
    if not isinstance(data, dict):
        raise ExportError(f"{name} does not map submission folders to metadata")
    return data


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
    """Is ``folder`` a Gradescope export (it holds ``submission_metadata.yml``, a link
    included: reading it then says it is refused)?"""
    return os.path.lexists(Path(folder) / METADATA)


def _text(value: Any) -> str:
    """A submitter's field as text: a scalar as written, anything else (a list, a mapping,
    an alias of a huge structure) empty."""
    if isinstance(value, str | int | float | datetime.date):
        return str(value)
    return ""


def submitters_of(metadata: dict[str, Any]) -> list[Submitter]:
    people = metadata.get("submitters") if isinstance(metadata, dict) else None
    return [Submitter(_text(p.get("name")), _text(p.get("email")), _text(p.get("sid")))
            for p in people or [] if isinstance(p, dict)]


def read_export(folder: str | Path) -> list[Submission]:
    """Every ``submission_<id>`` entry of the export, with its submitters from the metadata
    (none when the metadata does not list it), sorted by name. One that is a link or not a
    folder is listed all the same: ``grade_all`` gives it an error row."""
    folder = Path(folder)
    metadata = load_metadata(folder / METADATA)
    subs = []
    for path in sorted(folder.iterdir()):
        if not path.name.startswith(FOLDER_PREFIX) or path.name == METADATA:
            continue
        meta = metadata.get(path.name) or {}
        subs.append(Submission(folder=path, submission_id=path.name[len(FOLDER_PREFIX):],
                               submitters=submitters_of(meta),
                               metadata=meta if isinstance(meta, dict) else {}))
    return subs
