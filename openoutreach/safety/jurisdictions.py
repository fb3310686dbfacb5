"""Opt-in jurisdictions: places whose law requires consent before unsolicited B2B outreach (or makes it
risky enough that an operator may choose to stay out): the EU/EEA, the UK, Switzerland, Canada, Brazil,
Australia, Japan, South Korea and New Zealand.

Pure functions over a country code or a free-text location; no Django. The country code from the
parsed profile is the reliable signal; the location text is the fallback (LinkedIn writes it as
"City, Region, Country" or "Greater X Area", in the member's language).
"""

from __future__ import annotations

import re
import unicodedata

# ISO 3166-1 alpha-2, lower case as the Voyager parser stores them.
EU = frozenset(
    ["at", "be", "bg", "hr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "gr", "hu", "ie", "it", "lv", "lt",
     "lu", "mt", "nl", "pl", "pt", "ro", "sk", "si", "es", "se"]
)  # fmt: skip
# EU territories with their own ISO codes (outermost regions, Åland) are EU soil for the GDPR.
EU_TERRITORIES = frozenset(["ax", "gf", "gp", "mf", "mq", "re", "yt"])
EEA_ONLY = frozenset(["is", "li", "no"])
OTHER_OPT_IN = frozenset(["gb", "ch", "ca", "br", "au", "jp", "kr", "nz"])
# Codes seen in the wild for the same places ("uk" instead of "gb", the EU's "el" for Greece).
ALIASES = {"uk": "gb", "el": "gr"}

OPT_IN_COUNTRIES: frozenset[str] = EU | EU_TERRITORIES | EEA_ONLY | OTHER_OPT_IN

# Names (English and local) that identify an opt-in country in a location text.
_NAMES: dict[str, tuple[str, ...]] = {
    "at": ("austria", "osterreich"),
    "be": ("belgium", "belgique", "belgie", "belgien"),
    "bg": ("bulgaria", "balgariya", "българия"),
    "hr": ("croatia", "hrvatska"),
    "cy": ("cyprus", "kypros"),
    "cz": ("czechia", "czech republic", "cesko", "ceska republika"),
    "dk": ("denmark", "danmark"),
    "ee": ("estonia", "eesti"),
    "fi": ("finland", "suomi"),
    "fr": ("france",),
    "de": ("germany", "deutschland"),
    "gr": ("greece", "hellas", "ελλάδα", "ελλαδα"),
    "hu": ("hungary", "magyarorszag"),
    "ie": ("ireland", "eire"),
    "it": ("italy", "italia"),
    "lv": ("latvia", "latvija"),
    "lt": ("lithuania", "lietuva"),
    "lu": ("luxembourg", "luxemburg"),
    "mt": ("malta",),
    "nl": ("netherlands", "nederland"),  # not "holland": Holland, Michigan
    "pl": ("poland", "polska"),
    "pt": ("portugal",),
    "ro": ("romania",),
    "sk": ("slovakia", "slovensko"),
    "si": ("slovenia", "slovenija"),
    "es": ("spain", "espana"),
    "se": ("sweden", "sverige"),
    "is": ("iceland",),  # not "Ísland": accents are folded, and "island" is Long Island
    "li": ("liechtenstein",),
    "no": ("norway", "norge", "noreg"),
    "gb": (
        "united kingdom",
        "uk",
        "great britain",
        "england",
        "scotland",
        "wales",
        "northern ireland",
    ),  # fmt: skip
    "ch": ("switzerland", "schweiz", "suisse", "svizzera", "svizra"),
    "ca": ("canada",),
    "br": ("brazil", "brasil"),
    "au": ("australia",),
    "jp": ("japan", "nippon", "日本"),
    "kr": ("south korea", "korea", "republic of korea", "대한민국", "한국"),
    "nz": ("new zealand", "aotearoa"),
    "eu": ("european union",),
}
# Phrases that contain an opt-in name but are not in one (US regions), removed before matching.
_NOT_PLACES = ("new england", "north korea")


def fold(text: str) -> str:
    """Lower case, accents stripped, punctuation to spaces, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w]+", " ", plain).split())


_PATTERN = re.compile(
    r"\b("
    + "|".join(
        sorted((re.escape(fold(n)) for names in _NAMES.values() for n in names), key=len, reverse=True)
    )
    + r")\b"
)
_BY_NAME = {fold(n): code for code, names in _NAMES.items() for n in names}


def is_opt_in_code(country_code: str) -> bool:
    code = country_code.strip().lower()
    return ALIASES.get(code, code) in OPT_IN_COUNTRIES


def opt_in_country_in_text(location: str) -> str | None:
    """The opt-in country ("de", "gb", or "eu" for "European Union") a location text names, else None."""
    text = f" {fold(location)} "
    for phrase in _NOT_PLACES:
        text = text.replace(f" {phrase} ", " ")
    match = _PATTERN.search(text)
    return _BY_NAME[match.group(1)] if match else None
