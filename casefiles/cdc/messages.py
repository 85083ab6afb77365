"""libxml2's schema messages said in French, for the person who fixes a file or a receipt: the element, the
value, what was expected. A message of an unknown shape keeps libxml2's words after the element's name."""

from __future__ import annotations

import re

_ELEMENT = re.compile(
    r"^Element '(?:\{[^}]*\})?(?P<element>[^']+)'(?:, attribute '[^']*')?: (?P<rest>.*)$", re.S
)
_TYPES = {
    "xs:date": "une date (AAAA-MM-JJ)",
    "xs:dateTime": "une date et heure (AAAA-MM-JJThh:mm:ss+hh:mm)",
    "xs:boolean": "un booléen (true ou false)",
    "xs:integer": "un nombre entier",
    "xs:gYear": "une année (AAAA)",
    "xs:anyURI": "une adresse (URI)",
}


_CLARK = re.compile(r"^\{[^}]*\}")


def _names(group: str) -> str:
    return ", ".join("« " + _CLARK.sub("", name.strip()) + " »" for name in group.split(","))


_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), french)
    for pattern, french in (
        (
            r"\[facet 'length'\] The value has a length of '(?P<n>\d+)'; "
            r"this differs from the allowed length of '(?P<m>\d+)'\.",
            "« {element} » : {n} caractères au lieu de {m}.",
        ),
        (
            r"\[facet 'maxLength'\] The value has a length of '(?P<n>\d+)'; this exceeds the allowed maximum "
            r"length of '(?P<m>\d+)'\.",
            "« {element} » : {n} caractères, {m} au plus.",
        ),
        (
            r"\[facet 'minLength'\] The value has a length of '(?P<n>\d+)'; "
            r"this underruns the allowed minimum length of '(?P<m>\d+)'\.",
            "« {element} » : {n} caractère(s), {m} au moins (l'élément est vide ?).",
        ),
        (
            r"\[facet 'pattern'\] The value '(?P<value>.*)' "
            r"is not accepted by the pattern '(?P<pattern>.*)'\.",
            "« {element} » : la valeur « {value} » n'a pas la forme attendue ({pattern}).",
        ),
        (
            r"\[facet 'enumeration'\] The value '(?P<value>.*)' "
            r"is not an element of the set \{(?P<set>.*)\}\.",
            "« {element} » : « {value} » n'est pas une valeur permise (valeurs permises : {set}).",
        ),
        (
            r"\[facet '(?:minInclusive|maxInclusive)'\] The value '(?P<value>.*)' "
            r"is (?:less|greater) than .*",
            "« {element} » : la valeur « {value} » est hors des bornes permises.",
        ),
        (
            r"This element is not expected\. Expected is (?:one of )?\( (?P<expected>.*) \)\.",
            "« {element} » se trouve où {expected} est attendu (élément manquant, en trop ou déplacé).",
        ),
        (r"This element is not expected\.", "l'élément « {element} » n'est pas attendu à cet endroit."),
        (
            r"Missing child element\(s\)\. Expected is (?:one of )?\( (?P<expected>.*) \)\.",
            "il manque un élément dans « {element} » : {expected} est attendu.",
        ),
        (r"The element is not 'nillable'\.", "« {element} » ne peut pas être vide (xsi:nil interdit)."),
        (
            r"Character content other than whitespace is not allowed.*",
            "« {element} » ne contient que des éléments, pas de texte.",
        ),
        (
            r"No matching global declaration available for the validation root\.",
            "l'élément racine « {element} » n'est pas celui du format attendu (élément ou espace de noms).",
        ),
    )
)
_NOT_A_TYPE = re.compile(
    r"'(?P<value>.*)' is not a valid value of the (?:local )?atomic type(?: '(?P<type>[^']*)')?\."
)


def french(message: str) -> str:
    """libxml2's message (without its location) in French."""
    matched = _ELEMENT.match(message.strip())
    if matched is None:
        return message.strip()
    element, rest = matched["element"], matched["rest"].strip()
    for pattern, template in _RULES:
        found = pattern.fullmatch(rest)
        if found is not None:
            fields = {key: value for key, value in found.groupdict().items() if value is not None}
            if "expected" in fields:
                fields["expected"] = _names(fields["expected"])
            if "set" in fields:
                fields["set"] = fields["set"].replace("'", "")
            return template.format(element=element, **fields)
    found = _NOT_A_TYPE.fullmatch(rest)
    if found is not None:
        expected = _TYPES.get(found["type"] or "", "une valeur permise")
        return f"« {element} » : « {found['value']} » n'est pas {expected}."
    return f"« {element} » : {rest}"
