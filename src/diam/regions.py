"""Benchmark regions derived from ISO 3166-1 alpha-2 country codes.

The grouping follows the UN M49 geoscheme, merged into twelve regions large enough to
benchmark in (e.g. the M49 "Western Asia" and "Northern Africa" form "Middle East and North
Africa"). An organisation's region is derived from its country and may be overridden by a
programme admin (e.g. a hospital network that reports with a neighbouring region).
"""

from __future__ import annotations

_REGIONS: dict[str, str] = {
    "Northern Europe": "AX DK EE FI FO GB GG IE IM IS JE LT LV NO SE SJ",
    "Western Europe": "AT BE CH DE FR LI LU MC NL",
    "Southern Europe": "AD AL BA CY ES GI GR HR IT ME MK MT PT RS SI SM VA XK",
    "Eastern Europe": "BG BY CZ HU MD PL RO RU SK UA",
    "Middle East and North Africa": (
        "AE AM AZ BH DZ EG EH GE IL IQ IR JO KW LB LY MA OM PS QA SA SD SY TN TR YE"
    ),
    "Sub-Saharan Africa": (
        "AO BF BI BJ BW CD CF CG CI CM CV DJ ER ET GA GH GM GN GQ GW KE KM LR LS MG ML MR MU MW "
        "MZ NA NE NG RE RW SC SH SL SN SO SS ST SZ TD TG TZ UG YT ZA ZM ZW"
    ),
    "North America": "BM CA GL PM US",
    "Latin America and the Caribbean": (
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GT GY HN HT JM KN "
        "KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI"
    ),
    "Central and South Asia": "AF BD BT IN KG KZ LK MV NP PK TJ TM UZ",
    "East Asia": "CN HK JP KP KR MN MO TW",
    "South-East Asia": "BN ID KH LA MM MY PH SG TH TL VN",
    "Oceania": ("AS AU CK FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TO TV UM VU WF WS"),
}

REGIONS: tuple[str, ...] = tuple(_REGIONS)
COUNTRY_REGION: dict[str, str] = {
    code: region for region, codes in _REGIONS.items() for code in codes.split()
}
UNKNOWN_REGION = "Other"


def region_for(country_code: str) -> str:
    """The benchmark region of an ISO 3166-1 alpha-2 code; `Other` for unlisted codes."""
    return COUNTRY_REGION.get(country_code.upper(), UNKNOWN_REGION)
