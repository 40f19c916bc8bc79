"""Translation at the presentation edge: enum labels and fixed vocabularies, and catalogues.

Messages are written in Chinese (the default language) and translated through the catalogues in
``webapp/translations``; ``make messages`` extracts and updates them (babel.cfg). Models stay
Flask-free: their labels are Chinese, marked with ``models.i18n.N_`` for extraction, and
translated here, in templates with the ``|label`` filter.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_babel import gettext

from models.docking import Side
from models.i18n import N_

from .permissions import acting_user

if TYPE_CHECKING:
    from models import Docking, Organization, User
    from models.listing import ListingMixin

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"


def label(value: Any) -> str:
    """The translated name of an enum member (its ``.label``) or of a fixed Chinese word
    (a province, sub-field or maturity stage marked in models); ``None`` reads as empty."""
    if value is None:
        return ""
    text = value.label if hasattr(value, "label") else value
    return gettext(str(text)) if text else ""


def region(listing: ListingMixin | Organization) -> str:
    """Province and city of a listing or an organisation, as shown on pages: "江苏省苏州市" in
    Chinese, "Suzhou, Jiangsu" once the province is translated (the city is the author's
    text)."""
    province = label(listing.province)
    if province == listing.province:
        return listing.region
    if not listing.city or listing.city == listing.province:
        return province
    return f"{listing.city}, {province}"


def docking_title(docking: Docking, viewer: User | None = None) -> str:
    """The need's title and the other party: for a member of one side the other side's
    organisation, for brokers, operators and everyone else both organisations."""
    side = docking.side_of(viewer.organization_id) if viewer is not None else None
    if side is None:
        return f"{docking.need.title} · {docking.need_org.name} ↔ {docking.supply_org.name}"
    other = docking.supply_org if side is Side.NEED else docking.need_org
    return gettext("%(need)s · 对方：%(org)s", need=docking.need.title, org=other.name)


# A docking's title as stored in a recorded text (Docking.title): paired with a solution, its
# second half is the word 解决方案, which is the platform's, not the user's.
_SOLUTION_PAIR = " ↔ " + N_("解决方案")


def _recorded_value(key: str, value: str) -> str:
    """A parameter of a recorded text in the reader's language: labels translated, and a
    docking's "… ↔ 解决方案" ending too; the users' own words as they are."""
    if key in _LABEL_PARAMS:
        return gettext(value)
    if key == "docking" and value.endswith(_SOLUTION_PAIR):
        return value.removesuffix(_SOLUTION_PAIR) + " ↔ " + gettext("解决方案")
    return value


# Texts stored when they happen (notification titles, docking event notes), built in Chinese
# from these templates by the services; ``recorded`` shows them in the reader's language.
RECORDED = (
    N_("%(author)s 在对接“%(docking)s”中留言"),
    N_("%(org)s 对“%(docking)s”表达了对接意向"),
    N_("%(type)s合同，%(amount)s 万元"),
    N_("对接“%(docking)s”：%(from)s → %(to)s"),
    N_("您的成果“%(result)s”匹配到新需求“%(need)s”"),
    N_("您的需求“%(need)s”匹配到新成果“%(result)s”"),
    N_("您被指派为对接“%(docking)s”的技术经理人"),
    N_("指派技术经理人：%(broker)s"),
    N_("解决方案已被采纳，对接“%(docking)s”已建立"),
    N_("解决方案（%(need)s）%(status)s"),
    N_("需求“%(need)s”收到新的解决方案"),
    N_("订阅的搜索“%(search)s”有新的%(noun)s：“%(title)s”"),
    N_("您收藏的需求“%(need)s”收到新的解决方案"),
    N_("取消技术经理人"),
    N_("采纳解决方案"),
)
# Parameters that are labels themselves (a state, a contract type), translated too.
_LABEL_PARAMS = frozenset({"from", "to", "status", "type", "noun"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@functools.cache
def _recorded_patterns() -> list[tuple[re.Pattern[str], str]]:
    patterns = []
    for template in RECORDED:
        parts = _PLACEHOLDER.split(template)
        regex = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
                        for i, part in enumerate(parts))
        patterns.append((re.compile(regex, re.DOTALL), template))
    return patterns


def recorded(text: str | None) -> str:
    """A stored text made from one of ``RECORDED``, in the reader's language; any other text
    (a user's note) as it is."""
    if not text:
        return ""
    for pattern, template in _recorded_patterns():
        found = pattern.fullmatch(text)
        if found:
            values = {key: _recorded_value(key, value) for key, value in found.groupdict().items()}
            return gettext(template, **values) if values else gettext(template)
    return text


def compile_catalogues(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every ``messages.po`` whose ``.mo`` is missing or older; return those written.

    ``make install`` compiles them already; this covers a checkout run without it (the plain
    ``pytest``). Each file is written beside the catalogue and renamed into place, so
    concurrent workers never read half a file; a read-only tree is left as it is, logged.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        try:
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=po_path.parent.parent.name)
            fd, tmp = tempfile.mkstemp(dir=po_path.parent, suffix=".mo.tmp")
            try:
                with os.fdopen(fd, "wb") as mo_file:
                    write_mo(mo_file, catalog)
                os.replace(tmp, mo_path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            written.append(mo_path)
        except OSError as exc:
            log.warning("cannot compile %s: %s", po_path, exc)
    return written


def init_app(app: Flask) -> None:
    """Compile stale catalogues and register the translation filters and globals."""
    compile_catalogues()
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["recorded"] = recorded
    app.jinja_env.globals.update(region=region, docking_title=_docking_title_for_viewer)


def _docking_title_for_viewer(docking: Docking) -> str:
    """``docking_title`` for templates: the title as the logged-in user reads it."""
    return docking_title(docking, acting_user())


# --- Maintaining the catalogues (``make messages``; tests/webapp/test_i18n.py) -----------------

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = ("_l", "N_")
SKIPPED_DIRS = frozenset({"node_modules", "instance", "test-artifacts", "tests", "benchmarks",
                          "migrations", "docs", "tools", "build", "dist"})


def extract_catalog(root: Path = ROOT) -> Any:
    """The message template (a ``babel.messages.Catalog``) extracted from the code and
    templates as babel.cfg says, in-process."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (root / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    keywords = {**DEFAULT_KEYWORDS, **dict.fromkeys(KEYWORDS)}

    def wanted(dirname: str) -> bool:
        name = os.path.basename(dirname)
        return not name.startswith((".", "_")) and name not in SKIPPED_DIRS

    catalog = Catalog(project="InnoMatch", msgid_bugs_address="", charset="utf-8",
                      fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            root, method_map, options_map, keywords=keywords, directory_filter=wanted):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def message_strings(message: Any) -> list[str]:
    """A catalogue message's translations: one, or one per plural form (``ngettext``)."""
    if isinstance(message.string, (tuple, list)):
        return [str(s) for s in message.string]
    return [str(message.string or "")]


def is_translated(message: Any) -> bool:
    """Whether every form of a catalogue message has a translation."""
    return all(s.strip() for s in message_strings(message))


def update_catalogues(root: Path = ROOT) -> dict[str, list[str]]:
    """Write messages.pot and merge it into each language's messages.po: new messages come in
    untranslated (English) or equal to themselves (Chinese, the source language), messages no
    longer in the code go. Returns the English messages still untranslated, per language."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po, write_po

    directory = root / "webapp" / "translations"
    template = extract_catalog(root)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "messages.pot").open("wb") as pot:
        write_po(pot, template, omit_header=False, sort_output=True, no_location=True,
                 width=100)
    missing: dict[str, list[str]] = {}
    for locale in ("zh_CN", "en"):
        po_path = directory / locale / "LC_MESSAGES" / "messages.po"
        if po_path.exists():
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=locale, project="InnoMatch", fuzzy=False)
        # update() shares the template's messages; each language gets its own copy.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True,
                       update_header_comment=False)
        catalog.obsolete.clear()
        for message in catalog:
            if not message.id:
                continue
            if locale == "zh_CN" and not is_translated(message):
                # Chinese has one plural form: a plural message is its singular.
                message.string = (message.id[0],) if message.pluralizable else message.id
            message.flags.discard("fuzzy")
        missing[locale] = [str(m.id[0] if m.pluralizable else m.id)
                           for m in catalog if m.id and not is_translated(m)]
        with po_path.open("wb") as po_file:
            write_po(po_file, catalog, sort_output=True, no_location=True, width=100)
    compile_catalogues(directory)
    return missing


def main() -> None:  # pragma: no cover - make messages
    """Extract, update both catalogues, compile; list what is left to translate."""
    untranslated = update_catalogues()
    for language, ids in untranslated.items():
        for msgid in ids:
            print(f"{language}: untranslated: {msgid}")
