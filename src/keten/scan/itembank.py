"""The scan's item bank: a versioned YAML file of themes, statements and open questions.

Parsed into plain frozen dataclasses. A chain adapts the bank by uploading an edited file
with a higher `version`; waves point at the exact version they used, so old results keep
their own wording. Trends across waves follow the item and theme `code`s.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

LANGUAGES = ("nl", "en")
DEFAULT_BANK = Path(__file__).resolve().parent / "itembanks" / "keten-scan-1.yaml"
SCALE_VALUES = (1, 2, 3, 4, 5)
CODE_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


class ItemBankError(ValueError):
    """A bad item-bank file; the message names the field and what to do."""


@dataclass(frozen=True)
class Text:
    """A text in every language; `get` falls back to Dutch."""

    nl: str
    en: str

    def get(self, language: str | None) -> str:
        return self.en if (language or "").startswith("en") else self.nl


@dataclass(frozen=True)
class Item:
    code: str
    text: Text
    theme: str
    reverse: bool = False


@dataclass(frozen=True)
class Theme:
    code: str
    name: Text
    why: Text
    items: tuple[Item, ...]


@dataclass(frozen=True)
class OpenQuestion:
    code: str
    text: Text


@dataclass(frozen=True)
class ItemBank:
    key: str
    version: int
    title: Text
    intro: Text
    scale: tuple[tuple[int, Text], ...]
    dont_know: Text
    themes: tuple[Theme, ...]
    open_questions: tuple[OpenQuestion, ...]
    source: str = field(default="", compare=False, repr=False)

    @property
    def items(self) -> tuple[Item, ...]:
        """Return every statement in bank order."""
        return tuple(item for theme in self.themes for item in theme.items)

    def item(self, code: str) -> Item:
        return {i.code: i for i in self.items}[code]

    def theme(self, code: str) -> Theme:
        return {t.code: t for t in self.themes}[code]

    @property
    def digest(self) -> str:
        """Return a hash of the file's text: the same key and version must mean the same text."""
        return hashlib.sha256(self.source.encode()).hexdigest()

    def select(self, item_codes: list[str] | tuple[str, ...] | None) -> ItemBank:
        """Return this bank narrowed to the given statements (all when None); empty themes drop out."""
        if item_codes is None:
            return self
        wanted = set(item_codes)
        themes = []
        for theme in self.themes:
            items = tuple(i for i in theme.items if i.code in wanted)
            if items:
                themes.append(Theme(theme.code, theme.name, theme.why, items))
        return ItemBank(
            self.key,
            self.version,
            self.title,
            self.intro,
            self.scale,
            self.dont_know,
            tuple(themes),
            self.open_questions,
            self.source,
        )


def _text(value, where: str) -> Text:
    if not isinstance(value, dict):
        raise ItemBankError(f"{where}: give the text in both languages, e.g. {{nl: ..., en: ...}}.")
    missing = [lang for lang in LANGUAGES if not str(value.get(lang) or "").strip()]
    if missing:
        raise ItemBankError(f"{where}: the text in '{missing[0]}' is missing; write it in nl and en.")
    return Text(nl=str(value["nl"]).strip(), en=str(value["en"]).strip())


def _code(value, where: str, seen: set[str]) -> str:
    code = str(value or "")
    if not code or not set(code) <= CODE_CHARS or not code[0].isalpha():
        raise ItemBankError(
            f"{where}.code: '{code}' is not a valid code; use lower-case letters, digits and "
            "underscores, starting with a letter."
        )
    if code in seen:
        raise ItemBankError(f"{where}.code: '{code}' is used twice; every code must be unique in the bank.")
    seen.add(code)
    return code


def _list(value, where: str) -> list:
    if not isinstance(value, list) or not value:
        raise ItemBankError(f"{where}: give a non-empty list.")
    return value


# Every answer to a scan reads its bank: parse each stored text once per process. Banks are
# frozen, so sharing one parsed bank is safe; a text that fails raises and is not cached.
@functools.lru_cache(maxsize=64)
def parse_item_bank(text: str, *, name: str = "item bank") -> ItemBank:
    """Parse and check an item-bank YAML text; raise ItemBankError naming the field that is wrong."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark else ""
        raise ItemBankError(
            f"{name}{line}: this is not valid YAML ({getattr(error, 'problem', error)})."
        ) from None
    if not isinstance(data, dict):
        raise ItemBankError(f"{name}: expected a mapping with key, version, themes, ...")
    key = str(data.get("key") or "")
    if not key or not set(key) <= CODE_CHARS | {"-"}:
        raise ItemBankError(f"{name}: key: give a short name of lower-case letters, digits and dashes.")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ItemBankError(f"{name}: version: give a whole number of 1 or more (raise it on every change).")
    scale = []
    for i, step in enumerate(_list(data.get("scale"), f"{name}: scale")):
        where = f"{name}: scale[{i}]"
        if not isinstance(step, dict) or step.get("value") != SCALE_VALUES[min(i, 4)] or i > 4:
            raise ItemBankError(f"{where}: the scale has exactly five steps with values 1 to 5, in order.")
        scale.append((step["value"], _text(step.get("label"), f"{where}.label")))
    if len(scale) != 5:
        raise ItemBankError(f"{name}: scale: the scale has exactly five steps with values 1 to 5, in order.")
    seen: set[str] = set()
    themes = []
    for t, raw in enumerate(_list(data.get("themes"), f"{name}: themes")):
        where = f"{name}: themes[{t}]"
        if not isinstance(raw, dict):
            raise ItemBankError(f"{where}: expected a mapping with code, name, why and items.")
        code = _code(raw.get("code"), where, seen)
        items = []
        for i, item in enumerate(_list(raw.get("items"), f"{where}.items")):
            item_where = f"{where}.items[{i}]"
            if not isinstance(item, dict):
                raise ItemBankError(f"{item_where}: expected a mapping with code and text.")
            reverse = item.get("reverse", False)
            if not isinstance(reverse, bool):
                raise ItemBankError(f"{item_where}.reverse: write true or false.")
            items.append(
                Item(
                    code=_code(item.get("code"), item_where, seen),
                    text=_text(item.get("text"), f"{item_where}.text"),
                    theme=code,
                    reverse=reverse,
                )
            )
        themes.append(
            Theme(
                code,
                _text(raw.get("name"), f"{where}.name"),
                _text(raw.get("why"), f"{where}.why"),
                tuple(items),
            )
        )
    questions = []
    for q, raw in enumerate(data.get("open_questions") or []):
        where = f"{name}: open_questions[{q}]"
        if not isinstance(raw, dict):
            raise ItemBankError(f"{where}: expected a mapping with code and text.")
        questions.append(
            OpenQuestion(_code(raw.get("code"), where, seen), _text(raw.get("text"), f"{where}.text"))
        )
    return ItemBank(
        key=key,
        version=version,
        title=_text(data.get("title"), f"{name}: title"),
        intro=_text(data.get("intro"), f"{name}: intro"),
        scale=tuple(scale),
        dont_know=_text(data.get("dont_know"), f"{name}: dont_know"),
        themes=tuple(themes),
        open_questions=tuple(questions),
        source=text,
    )


def default_item_bank() -> ItemBank:
    """Return the item bank that ships with Keten."""
    return parse_item_bank(DEFAULT_BANK.read_text(encoding="utf-8"), name=DEFAULT_BANK.name)
