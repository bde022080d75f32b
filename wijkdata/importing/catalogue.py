"""Which source columns are which indicators.

A column is matched on a *key*: its header reduced to lower-case letters and digits, after
dropping the group path before the last '/' or '|', a unit in parentheses at the end, an
OData suffix such as "_28" and an OData "k_" prefix. "Bevolking/Aantal inwoners (aantal)",
"AantalInwoners_5", "a_inw" and "aantal_inwoners" therefore all find "inwoners".

A numeric column that matches nothing becomes an indicator of its own; see `derive`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace

from django.utils.text import slugify

COUNT, PCT, SCORE, SCALE, GRADE = "count", "percentage", "score", "scale", "grade"
DISTANCE, NUMBER = "distance", "number"
KINDS = (COUNT, PCT, SCORE, SCALE, GRADE, DISTANCE, NUMBER)
HIGHER, LOWER, NEUTRAL = "higher", "lower", "neutral"
POPULATION, HEALTH, SOCIAL, INCOME = "population", "health", "social", "income"

SOURCE_CBS = "CBS, Kerncijfers wijken en buurten"
SOURCE_HEALTH = "Gezondheidsmonitor Volwassenen en Ouderen, GGD'en, CBS en RIVM"
SOURCE_BOUNDARIES = "CBS/PDOK, Wijk- en buurtkaart"


@dataclass(frozen=True)
class IndicatorDef:
    code: str
    name: str
    kind: str
    direction: str = NEUTRAL
    category: str = POPULATION
    unit: str = ""
    aliases: tuple[str, ...] = ()
    health_monitor: bool = False
    order: int = field(default=0, compare=False)
    # For an indicator derived from a column no definition knows: that column's full
    # header path, stored with the indicator, so that a differently named column of a
    # later file can never pour its figures into it.
    column: str = field(default="", compare=False)
    # False when neither the name nor the values settle the kind: the preview asks.
    kind_certain: bool = field(default=True, compare=False)


def _count(code, name, *aliases, category=POPULATION, unit="aantal", direction=NEUTRAL):
    return IndicatorDef(code, name, COUNT, direction, category, unit, aliases)


def _pct(code, name, *aliases, category=POPULATION, direction=NEUTRAL, health=False):
    return IndicatorDef(code, name, PCT, direction, category, "%", aliases, health)


def _other(code, name, unit, *aliases, category=POPULATION, direction=NEUTRAL, kind=COUNT):
    return IndicatorDef(code, name, kind, direction, category, unit, aliases)


def _health(code, name, odata, direction, category=HEALTH, *older_names):
    # "ggd-": the monitor's percentages of adults are not the municipality's own survey
    # scores with similar names ("eenzaam of alleen voelen", a buurtscore). `older_names`:
    # how earlier monitors (2012, 2016) and other exports name the same measure.
    return IndicatorDef(
        f"ggd-{code}", name, PCT, direction, category, "%", (odata, code, *older_names), True
    )


DEFINITIONS: list[IndicatorDef] = [
    # Population (CBS Kerncijfers wijken en buurten: StatLine, kwb-YYYY.xlsx, OData, maps).
    _count(
        "inwoners",
        "Aantal inwoners",
        "a_inw",
        "AantalInwoners",
        "aantal_inwoners",
        "Aantal inwoners totaal",
    ),
    _count("mannen", "Mannen", "a_man"),
    _count("vrouwen", "Vrouwen", "a_vrouw"),
    _count("leeftijd-0-14", "Inwoners 0 tot 15 jaar", "a_00_14", "0 tot 15 jaar"),
    _count("leeftijd-15-24", "Inwoners 15 tot 25 jaar", "a_15_24", "15 tot 25 jaar"),
    _count("leeftijd-25-44", "Inwoners 25 tot 45 jaar", "a_25_44", "25 tot 45 jaar"),
    _count("leeftijd-45-64", "Inwoners 45 tot 65 jaar", "a_45_64", "45 tot 65 jaar"),
    _count("leeftijd-65-plus", "Inwoners 65 jaar of ouder", "a_65_oo", "65 jaar of ouder"),
    _pct("leeftijd-0-14-pct", "% inwoners 0 tot 15 jaar", "p_00_14", "0_15", "0 tot 15 jaar"),
    _pct("leeftijd-15-24-pct", "% inwoners 15 tot 25 jaar", "p_15_24", "15_25", "15 tot 25 jaar"),
    _pct("leeftijd-25-44-pct", "% inwoners 25 tot 45 jaar", "p_25_44", "25_45", "25 tot 45 jaar"),
    _pct("leeftijd-45-64-pct", "% inwoners 45 tot 65 jaar", "p_45_64", "45_65", "45 tot 65 jaar"),
    _pct(
        "leeftijd-65-plus-pct",
        "% inwoners 65 jaar of ouder",
        "p_65_oo",
        "65plus",
        "65 jaar of ouder",
    ),
    _count("ongehuwd", "Ongehuwd", "a_ongeh"),
    _count("gehuwd", "Gehuwd", "a_gehuwd"),
    _count("gescheiden", "Gescheiden", "a_gesch"),
    _count("verweduwd", "Verweduwd", "a_verwed"),
    _count("herkomst-nederland", "Herkomstland Nederland", "a_nl_all"),
    _count("herkomst-europa", "Herkomstland Europa (zonder Nederland)", "a_eur_al"),
    _count("herkomst-buiten-europa", "Herkomstland buiten Europa", "a_neu_al"),
    _count("geboren-nl-herkomst-nl", "Geboren in Nederland, Nederlandse herkomst", "a_geb_nl"),
    _count("geboren-nl-herkomst-europa", "Geboren in Nederland, Europese herkomst", "a_geb_eu"),
    _count(
        "geboren-nl-herkomst-buiten-europa",
        "Geboren in Nederland, herkomst buiten Europa",
        "a_geb_ne",
    ),
    _count("geboren-buiten-nl-europa", "Geboren buiten Nederland, Europese herkomst", "a_gbl_eu"),
    _count(
        "geboren-buiten-nl-buiten-europa",
        "Geboren buiten Nederland, herkomst buiten Europa",
        "a_gbl_ne",
    ),
    _count("geboorte", "Geboorte totaal", "a_geb", "GeboorteTotaal"),
    _other(
        "geboorte-relatief", "Geboorte relatief", "per 1 000 inwoners", "p_geb", "GeboorteRelatief"
    ),
    _count("sterfte", "Sterfte totaal", "a_ste", "SterfteTotaal"),
    _other(
        "sterfte-relatief", "Sterfte relatief", "per 1 000 inwoners", "p_ste", "SterfteRelatief"
    ),
    _count("huishoudens", "Huishoudens totaal", "a_hh", "HuishoudensTotaal", "huishoudens"),
    _count("eenpersoonshuishoudens", "Eenpersoonshuishoudens", "a_1p_hh"),
    _count("huishoudens-zonder-kinderen", "Huishoudens zonder kinderen", "a_hh_z_k"),
    _count("huishoudens-met-kinderen", "Huishoudens met kinderen", "a_hh_m_k"),
    _other(
        "huishoudensgrootte",
        "Gemiddelde huishoudensgrootte",
        "personen",
        "g_hhgro",
        "gem_huishouden_grootte",
        "GemiddeldeHuishoudensgrootte",
    ),
    _other("bevolkingsdichtheid", "Bevolkingsdichtheid", "inwoners per km²", "bev_dich"),
    _other(
        "omgevingsadressendichtheid", "Omgevingsadressendichtheid", "adressen per km²", "ste_oad"
    ),
    _other("oppervlakte-totaal", "Oppervlakte totaal", "ha", "a_opp_ha"),
    _other("oppervlakte-land", "Oppervlakte land", "ha", "a_lan_ha"),
    _other("oppervlakte-water", "Oppervlakte water", "ha", "a_wat_ha"),
    # Housing and income.
    _count("woningvoorraad", "Woningvoorraad", "a_woning", category=INCOME),
    _other(
        "woz-waarde",
        "Gemiddelde WOZ-waarde van woningen",
        "x 1 000 euro",
        "g_wozbag",
        category=INCOME,
    ),
    _pct("eengezinswoningen", "% eengezinswoningen", "p_1gezw", category=INCOME),
    _pct("meergezinswoningen", "% meergezinswoningen", "p_mgezw", category=INCOME),
    _pct("woningen-bewoond", "% bewoonde woningen", "p_bewndw", category=INCOME),
    _pct("woningen-onbewoond", "% onbewoonde woningen", "p_leegsw", category=INCOME),
    _pct("koopwoningen", "% koopwoningen", "p_koopw", category=INCOME),
    _pct("huurwoningen", "% huurwoningen", "p_huurw", category=INCOME),
    _pct(
        "sociale-huur",  # the demo's code: one measure, one indicator
        "% sociale huurwoningen (woningcorporatie)",
        "p_wcorpw",
        "% sociale huurwoningen",
        "In bezit woningcorporatie",
        category=INCOME,
    ),
    _pct(
        "huurwoningen-overige-verhuurders",
        "% huurwoningen van overige verhuurders",
        "p_ov_hw",
        category=INCOME,
    ),
    _pct(
        "woningen-eigendom-onbekend", "% woningen met onbekend eigendom", "p_e_o_w", category=INCOME
    ),
    _pct("bouwjaar-voor-2000", "% woningen gebouwd voor 2000", "p_bjj2k", category=INCOME),
    _pct("bouwjaar-vanaf-2000", "% woningen gebouwd vanaf 2000", "p_bjo2k", category=INCOME),
    _other("elektriciteit", "Gemiddeld elektriciteitsverbruik", "kWh", "g_ele", category=INCOME),
    _other(
        "elektriciteit-appartement",
        "Elektriciteitsverbruik appartement",
        "kWh",
        "g_ele_ap",
        category=INCOME,
    ),
    _other(
        "elektriciteit-tussenwoning",
        "Elektriciteitsverbruik tussenwoning",
        "kWh",
        "g_ele_tw",
        category=INCOME,
    ),
    _other(
        "elektriciteit-hoekwoning",
        "Elektriciteitsverbruik hoekwoning",
        "kWh",
        "g_ele_hw",
        category=INCOME,
    ),
    _other(
        "elektriciteit-twee-onder-een-kap",
        "Elektriciteitsverbruik 2-onder-1-kapwoning",
        "kWh",
        "g_ele_2w",
        category=INCOME,
    ),
    _other(
        "elektriciteit-vrijstaand",
        "Elektriciteitsverbruik vrijstaande woning",
        "kWh",
        "g_ele_vw",
        category=INCOME,
    ),
    _other(
        "elektriciteit-huurwoning",
        "Elektriciteitsverbruik huurwoning",
        "kWh",
        "g_ele_hu",
        category=INCOME,
    ),
    _other(
        "elektriciteit-koopwoning",
        "Elektriciteitsverbruik eigen woning",
        "kWh",
        "g_ele_ko",
        category=INCOME,
    ),
    _other("gas", "Gemiddeld aardgasverbruik", "m³", "g_gas", category=INCOME),
    _other("gas-appartement", "Aardgasverbruik appartement", "m³", "g_gas_ap", category=INCOME),
    _other("gas-tussenwoning", "Aardgasverbruik tussenwoning", "m³", "g_gas_tw", category=INCOME),
    _other("gas-hoekwoning", "Aardgasverbruik hoekwoning", "m³", "g_gas_hw", category=INCOME),
    _other(
        "gas-twee-onder-een-kap",
        "Aardgasverbruik 2-onder-1-kapwoning",
        "m³",
        "g_gas_2w",
        category=INCOME,
    ),
    _other(
        "gas-vrijstaand", "Aardgasverbruik vrijstaande woning", "m³", "g_gas_vw", category=INCOME
    ),
    _other("gas-huurwoning", "Aardgasverbruik huurwoning", "m³", "g_gas_hu", category=INCOME),
    _other("gas-koopwoning", "Aardgasverbruik eigen woning", "m³", "g_gas_ko", category=INCOME),
    _pct("stadsverwarming", "% woningen met stadsverwarming", "p_stadsv", category=INCOME),
    _count("opleiding-laag", "Opleidingsniveau laag", "a_opl_lg", category=SOCIAL),
    _count("opleiding-middelbaar", "Opleidingsniveau middelbaar", "a_opl_md", category=SOCIAL),
    _count("opleiding-hoog", "Opleidingsniveau hoog", "a_opl_hg", category=SOCIAL),
    _pct(
        "nettoarbeidsparticipatie",
        "Nettoarbeidsparticipatie",
        "p_arb_pp",
        category=INCOME,
        direction=HIGHER,
    ),
    _pct("werknemers", "% werknemers", "p_arb_wn", category=INCOME),
    _pct("zelfstandigen", "% zelfstandigen", "p_arb_zs", category=INCOME),
    _count("inkomensontvangers", "Aantal inkomensontvangers", "a_inkont", category=INCOME),
    _other(
        "inkomen-per-ontvanger",
        "Gemiddeld inkomen per inkomensontvanger",
        "x 1 000 euro",
        "g_ink_po",
        category=INCOME,
    ),
    _other(
        "inkomen-per-inwoner",
        "Gemiddeld inkomen per inwoner",
        "x 1 000 euro",
        "g_ink_pi",
        category=INCOME,
    ),
    _pct(
        "personen-laag-inkomen",
        "% personen met laag inkomen",
        "p_ink_li",
        category=INCOME,
        direction=LOWER,
    ),
    _pct("personen-hoog-inkomen", "% personen met hoog inkomen", "p_ink_hi", category=INCOME),
    _other(
        "gestandaardiseerd-inkomen",
        "Gemiddeld gestandaardiseerd inkomen van huishoudens",
        "x 1 000 euro",
        "g_hh_sti",
        category=INCOME,
    ),
    _pct(
        "laag-inkomen",  # the demo's code
        "% huishoudens met laag inkomen",
        "p_hh_li",
        "Huishouden met laag inkomen",
        category=INCOME,
        direction=LOWER,
    ),
    _pct("huishoudens-hoog-inkomen", "% huishoudens met hoog inkomen", "p_hh_hi", category=INCOME),
    _pct(
        "huishoudens-lage-koopkracht",
        "% huishoudens met lage koopkracht",
        "p_hh_lkk",
        category=INCOME,
        direction=LOWER,
    ),
    _pct(
        "huishoudens-sociaal-minimum",
        "% huishoudens onder of rond sociaal minimum",
        "p_hh_osm",
        category=INCOME,
        direction=LOWER,
    ),
    _pct(
        "huishoudens-tot-110-sociaal-minimum",
        "% huishoudens tot 110% van sociaal minimum",
        "p_hh_110",
        category=INCOME,
        direction=LOWER,
    ),
    _pct(
        "huishoudens-tot-120-sociaal-minimum",
        "% huishoudens tot 120% van sociaal minimum",
        "p_hh_120",
        category=INCOME,
        direction=LOWER,
    ),
    _other(
        "mediaan-vermogen",
        "Mediaan vermogen van particuliere huishoudens",
        "x 1 000 euro",
        "m_hh_ver",
        category=INCOME,
    ),
    _count("personen-bijstand", "Personen met een bijstandsuitkering", "a_soz_wb", category=INCOME),
    _count(
        "arbeidsongeschiktheidsuitkering",
        "Personen met een arbeidsongeschiktheidsuitkering",
        "a_soz_ao",
        category=INCOME,
    ),
    _count("ww-uitkering", "Personen met een WW-uitkering", "a_soz_ww", category=INCOME),
    _count("aow-uitkering", "Personen met een AOW-uitkering", "a_soz_ow", category=INCOME),
    _count("jeugdzorg", "Jongeren met jeugdzorg in natura", "a_jz_tn", category=SOCIAL),
    _pct("jeugdzorg-pct", "% jongeren met jeugdzorg in natura", "p_jz_tn", category=SOCIAL),
    _count("wmo-clienten", "Wmo-cliënten", "a_wmo_t", category=SOCIAL),
    _other(
        "wmo-clienten-relatief",
        "Wmo-cliënten relatief",
        "per 1 000 inwoners",
        "p_wmo_t",
        category=SOCIAL,
    ),
    _count("bedrijfsvestigingen", "Bedrijfsvestigingen totaal", "a_bedv", category=INCOME),
    _count(
        "vestigingen-landbouw",
        "Vestigingen landbouw, bosbouw en visserij",
        "a_bed_a",
        category=INCOME,
    ),
    _count(
        "vestigingen-nijverheid", "Vestigingen nijverheid en energie", "a_bed_bf", category=INCOME
    ),
    _count(
        "vestigingen-handel-horeca", "Vestigingen handel en horeca", "a_bed_gi", category=INCOME
    ),
    _count(
        "vestigingen-vervoer-ict",
        "Vestigingen vervoer, informatie en communicatie",
        "a_bed_hj",
        category=INCOME,
    ),
    _count(
        "vestigingen-financieel",
        "Vestigingen financiële diensten en onroerend goed",
        "a_bed_kl",
        category=INCOME,
    ),
    _count(
        "vestigingen-zakelijk", "Vestigingen zakelijke dienstverlening", "a_bed_mn", category=INCOME
    ),
    _count(
        "vestigingen-overheid-onderwijs-zorg",
        "Vestigingen overheid, onderwijs en zorg",
        "a_bed_oq",
        category=INCOME,
    ),
    _count(
        "vestigingen-cultuur-recreatie",
        "Vestigingen cultuur, recreatie en overige diensten",
        "a_bed_ru",
        category=INCOME,
    ),
    _count("personenautos", "Personenauto's totaal", "a_pau", "personenautos"),
    _count("personenautos-benzine", "Personenauto's op benzine", "a_bst_b"),
    _count("personenautos-overige-brandstof", "Personenauto's op overige brandstof", "a_bst_nb"),
    _other(
        "personenautos-per-huishouden",
        "Personenauto's per huishouden",
        "per huishouden",
        "g_pau_hh",
    ),
    _other("personenautos-per-km2", "Personenauto's per km²", "per km²", "g_pau_km"),
    _count("motortweewielers", "Motortweewielers", "a_m2w"),
    _other(
        "afstand-huisarts",
        "Afstand tot huisartsenpraktijk",
        "km",
        "g_afs_hp",
        category=SOCIAL,
        direction=LOWER,
    ),
    _other(
        "afstand-supermarkt",
        "Afstand tot grote supermarkt",
        "km",
        "g_afs_gs",
        category=SOCIAL,
        direction=LOWER,
    ),
    _other(
        "afstand-kinderdagverblijf",
        "Afstand tot kinderdagverblijf",
        "km",
        "g_afs_kv",
        category=SOCIAL,
        direction=LOWER,
    ),
    _other(
        "afstand-school", "Afstand tot school", "km", "g_afs_sc", category=SOCIAL, direction=LOWER
    ),
    _other(
        "scholen-binnen-3-km",
        "Scholen binnen 3 km",
        "aantal",
        "g_3km_sc",
        category=SOCIAL,
        direction=HIGHER,
    ),
    # Gezondheidsmonitor Volwassenen en Ouderen (GGD'en, CBS, RIVM), percentages of adults.
    _health(
        "ervaren-gezondheid-goed",
        "Ervaren gezondheid goed of zeer goed",
        "ErvarenGezondheidGoedZeerGoed",
        HIGHER,
    ),
    _health(
        "voldoet-beweegrichtlijn",
        "Voldoet aan de beweegrichtlijn",
        "VoldoetAanBeweegrichtlijn",
        HIGHER,
    ),
    _health("wekelijkse-sporters", "Wekelijkse sporters", "WekelijkseSporters", HIGHER),
    _health("ondergewicht", "Ondergewicht", "Ondergewicht", NEUTRAL),
    _health("normaal-gewicht", "Normaal gewicht", "NormaalGewicht", HIGHER),
    _health("overgewicht", "Overgewicht", "Overgewicht", LOWER),
    _health("ernstig-overgewicht", "Ernstig overgewicht", "ErnstigOvergewicht", LOWER),
    _health("roker", "Rookt", "Roker", LOWER),
    _health(
        "voldoet-alcoholrichtlijn",
        "Voldoet aan de alcoholrichtlijn",
        "VoldoetAanAlcoholRichtlijn",
        HIGHER,
    ),
    _health("drinker", "Drinkt alcohol", "Drinker", NEUTRAL),
    _health("zware-drinker", "Zware drinker", "ZwareDrinker", LOWER),
    _health("overmatige-drinker", "Overmatige drinker", "OvermatigeDrinker", LOWER),
    _health(
        "langdurige-aandoening",
        "Eén of meer langdurige aandoeningen",
        "EenOfMeerLangdurigeAandoeningen",
        LOWER,
    ),
    _health(
        "beperkt-door-gezondheid", "Beperkt vanwege gezondheid", "BeperktVanwegeGezondheid", LOWER
    ),
    _health(
        "ernstig-beperkt-door-gezondheid",
        "Ernstig beperkt vanwege gezondheid",
        "ErnstigBeperktVanwegeGezondheid",
        LOWER,
    ),
    _health(
        "langdurig-ziek-en-beperkt",
        "Langdurige ziekte en beperkt",
        "LangdurigeZiekteEnBeperkt",
        LOWER,
    ),
    _health(
        "lichamelijke-beperking",
        "Eén of meer lichamelijke beperkingen",
        "EenOfMeerLichamelijkeBeperkingen",
        LOWER,
    ),
    _health("beperking-horen", "Beperking in horen", "BeperkingInHoren", LOWER),
    _health("beperking-zien", "Beperking in zien", "BeperkingInZien", LOWER),
    _health("beperking-bewegen", "Beperking in bewegen", "BeperkingInBewegen", LOWER),
    _health(
        "risico-angst-depressie",
        "Matig of hoog risico op angststoornis of depressie",
        "MatigHoogRisicoOpAngstOfDepressie",
        LOWER,
    ),
    _health(
        "hoog-risico-angst-depressie",
        "Hoog risico op angststoornis of depressie",
        "HoogRisicoOpAngstOfDepressie",
        LOWER,
    ),
    _health(
        "veel-stress",
        "Heel veel stress in de afgelopen 4 weken",
        "HeelVeelStressInAfgelopen4Weken",
        LOWER,
    ),
    _health(
        "regie-eigen-leven",
        "Matig tot veel regie over eigen leven",
        "MatigVeelRegieOverEigenLeven",
        HIGHER,
    ),
    _health("eenzaam", "Eenzaam", "Eenzaam", LOWER, SOCIAL, "Eenzaamheid"),
    _health(
        "ernstig-eenzaam",
        "Ernstig of zeer ernstig eenzaam",
        "ErnstigZeerErnstigEenzaam",
        LOWER,
        SOCIAL,
        "Ernstig eenzaam",  # the 2012 and 2016 monitors' name
        "Ernstige eenzaamheid",
    ),
    _health("emotioneel-eenzaam", "Emotioneel eenzaam", "EmotioneelEenzaam", LOWER, SOCIAL),
    _health("sociaal-eenzaam", "Sociaal eenzaam", "SociaalEenzaam", LOWER, SOCIAL),
    _health("mantelzorger", "Mantelzorger", "Mantelzorger", NEUTRAL, SOCIAL, "Geeft mantelzorg"),
    _health(
        "vrijwilligerswerk",
        "Doet vrijwilligerswerk",
        "Vrijwilligerswerk",
        HIGHER,
        SOCIAL,
        "Vrijwilliger",
    ),
    _health(
        "lopen-fietsen-school-werk",
        "Loopt en/of fietst naar school of werk",
        "LopenEnOfFietsenNaarSchoolOfWerk",
        HIGHER,
    ),
    _health("lopen-school-werk", "Loopt naar school of werk", "LopenNaarSchoolOfWerk", HIGHER),
    _health("fietsen-school-werk", "Fietst naar school of werk", "FietsenNaarSchoolOfWerk", HIGHER),
    _health(
        "geluidhinder-buren",
        "Ernstige geluidhinder door buren",
        "ErnstigeGeluidhinderDoorBuren",
        LOWER,
        SOCIAL,
    ),
    _health(
        "moeite-met-rondkomen",
        "Moeite met rondkomen",
        "MoeiteMetRondkomen",
        LOWER,
        INCOME,
        "Moeite met rondkomen van het inkomen",
    ),
    # The demo's survey indicators (fixtures/demo/common.toml): the municipality's own
    # wijkmonitor, on its own scales. They are found by code and full name; where a name
    # is also the GGD's (Moeite met rondkomen), the GGD definition above keeps it, and the
    # kinds differ, so a GGD percentage never lands in a buurtscore series.
    _other(
        "sociale-contacten",
        "Voldoende sociale contacten",
        "",
        kind=SCORE,
        direction=HIGHER,
        category=SOCIAL,
    ),
    _other(
        "eenzaam",
        "Eenzaam of alleen voelen",
        "",
        "Voelt zich eenzaam of alleen",
        kind=SCORE,
        direction=LOWER,
        category=HEALTH,
    ),
    _other(
        "moeite-rondkomen", "Moeite met rondkomen", "", kind=SCORE, direction=LOWER, category=INCOME
    ),
    _other(
        "medeverantwoordelijk",
        "Voelt zich medeverantwoordelijk voor de leefbaarheid",
        "",
        kind=SCORE,
        direction=HIGHER,
        category=SOCIAL,
    ),
    _other("sociale-cohesie", "Sociale cohesie", "", kind=SCALE, direction=HIGHER, category=SOCIAL),
    _other(
        "contact-buurtbewoners",
        "Contact met buurtbewoners",
        "",
        kind=GRADE,
        direction=HIGHER,
        category=SOCIAL,
    ),
    _other("gezond-leven", "Gezond leven", "", kind=GRADE, direction=HIGHER, category=HEALTH),
    _other("gelukkig", "Gelukkig zijn", "", kind=GRADE, direction=HIGHER, category=HEALTH),
    _pct(
        "hulp-bekenden",
        "Kan voor hulp terecht bij bekenden",
        category=SOCIAL,
        direction=HIGHER,
    ),
    _pct(
        "bijstand",
        "Huishoudens met bijstandsuitkering",
        category=INCOME,
        direction=LOWER,
    ),
    _pct(
        "vrijwilligerswerk",
        "Doet wel eens vrijwilligerswerk",
        category=SOCIAL,
        direction=HIGHER,
    ),
    _pct(
        "actief-buurt",
        "Afgelopen 12 maanden actief in de buurt geweest",
        category=SOCIAL,
        direction=HIGHER,
    ),
    _pct("mantelzorgers", "Mantelzorgers", category=HEALTH),
    *(
        _pct(f"leeftijd-{band}", f"% inwoners {label}")
        for band, label in (
            ("0-3", "0-3 jaar"),
            ("4-11", "4-11"),
            ("12-17", "12-17"),
            ("18-24", "18-24"),
            ("25-39", "25-39"),
            ("40-54", "40-54"),
            ("55-64", "55-64"),
            ("65-74", "65-74"),
            ("75-84", "75-84"),
            ("85-plus", ">85"),
        )
    ),
    _pct("geboren-buiten-nl", "% inwoners geboren buiten Nederland"),
    _pct("geboren-buiten-europa", "% inwoners geboren buiten Europa"),
]

# Parts and their whole: a part is never larger than the whole in the same region and year
# (the plausibility check that catches shifted rows).
WHOLE_OF: dict[str, str] = {
    **dict.fromkeys(
        (
            "mannen",
            "vrouwen",
            "leeftijd-0-14",
            "leeftijd-15-24",
            "leeftijd-25-44",
            "leeftijd-45-64",
            "leeftijd-65-plus",
            "ongehuwd",
            "gehuwd",
            "gescheiden",
            "verweduwd",
            "herkomst-nederland",
            "herkomst-europa",
            "herkomst-buiten-europa",
            "geboren-nl-herkomst-nl",
            "geboren-nl-herkomst-europa",
            "geboren-nl-herkomst-buiten-europa",
            "geboren-buiten-nl-europa",
            "geboren-buiten-nl-buiten-europa",
            "opleiding-laag",
            "opleiding-middelbaar",
            "opleiding-hoog",
            "inkomensontvangers",
            "personen-bijstand",
            "arbeidsongeschiktheidsuitkering",
            "ww-uitkering",
            "aow-uitkering",
            "jeugdzorg",
            "wmo-clienten",
        ),
        "inwoners",
    ),
    **dict.fromkeys(
        ("eenpersoonshuishoudens", "huishoudens-zonder-kinderen", "huishoudens-met-kinderen"),
        "huishoudens",
    ),
    **dict.fromkeys(
        (
            "vestigingen-landbouw",
            "vestigingen-nijverheid",
            "vestigingen-handel-horeca",
            "vestigingen-vervoer-ict",
            "vestigingen-financieel",
            "vestigingen-zakelijk",
            "vestigingen-overheid-onderwijs-zorg",
            "vestigingen-cultuur-recreatie",
        ),
        "bedrijfsvestigingen",
    ),
    "personenautos-benzine": "personenautos",
    "personenautos-overige-brandstof": "personenautos",
    "oppervlakte-land": "oppervlakte-totaal",
    "oppervlakte-water": "oppervlakte-totaal",
}

# Columns that describe a row rather than measure something: never indicators.
METADATA_KEYS = {
    "id",
    "leeftijd",
    "marges",
    "perioden",
    "periode",
    "gwbcode",
    "gwbcode8",
    "gwbcode10",
    "indwbi",
    "pstmvp",
    "pstdekp",
    "stemvs",
    "recs",
    "regio",
    "gmnaam",
    "gemeentenaam",
    "soortregio",
    "codering",
    "wijkenenbuurten",
    "meestvoorkomendepostcode",
    "dekkingspercentage",
    "matevanstedelijkheid",
    "indelingswijzigingwijkenenbuurten",
    "indelingswijziginggemeentewijkbuurt",
    "wijkcode",
    "buurtcode",
    "gemeentecode",
    "wijknaam",
    "buurtnaam",
    "statcode",
    "statnaam",
    "jrstatcode",
    "rubriek",
    "water",
    "objectid",
    "fid",
    "shapearea",
    "shapelength",
}

_UNIT_RE = re.compile(r"\s*\(([^()]*)\)\s*$")
_ODATA_SUFFIX_RE = re.compile(r"_\d+$")
_ODATA_PREFIX_RE = re.compile(r"^k_(?=\d)")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def split_header(header: str) -> tuple[str, str, str]:
    """("Bevolking/Leeftijdsgroepen", "0 tot 15 jaar", "aantal") from a StatLine header."""
    text = header.strip()
    unit = ""
    match = _UNIT_RE.search(text)
    if match and match.start() > 0:
        unit = match.group(1).strip()
        text = text[: match.start()].strip()
    parts = [p.strip() for p in re.split(r"[/|]", text) if p.strip()]
    if not parts:
        return "", "", unit
    return "/".join(parts[:-1]), parts[-1], unit


def key_of(text: str) -> str:
    text = _ODATA_PREFIX_RE.sub("", _ODATA_SUFFIX_RE.sub("", text.strip()))
    text = text.replace("%", "pct")
    return re.sub(r"[^a-z0-9]", "", _ascii(text).lower())


def column_keys(header: str) -> list[str]:
    """Keys to look a header up by: the whole path first, then its last part."""
    group, label, _unit = split_header(header)
    keys = []
    if group:
        keys.append(key_of(group + label))
    keys.append(key_of(label))
    return [k for k in keys if k]


def _build_index() -> dict[str, list[IndicatorDef]]:
    index: dict[str, list[IndicatorDef]] = {}
    for position, definition in enumerate(DEFINITIONS):
        object.__setattr__(definition, "order", (position + 1) * 10)
        for alias in (definition.code, definition.name, *definition.aliases):
            key = column_keys(alias)[-1]
            entry = index.setdefault(key, [])
            if entry and definition.kind in {SCORE, SCALE, GRADE}:
                continue  # a survey score never takes a name another measure already has
            if definition not in entry:
                entry.append(definition)
    return index


INDEX = _build_index()
BY_CODE = {d.code: d for d in DEFINITIONS}


def is_percent_unit(unit: str) -> bool | None:
    u = unit.strip().lower()
    if u in {"%", "percentage", "procent", "pct"} or u.startswith("%"):
        return True
    if u in {"aantal", "absoluut", "abs", "x 1 000", "x 1000"}:
        return False
    return None


_SHARE_PREFIXES = ("percentage", "pct", "aandeel")


def lookup(header: str, *, unit: str = "") -> IndicatorDef | None:
    """The known indicator a column header stands for, if any."""
    prefer_pct = is_percent_unit(unit)
    keys = column_keys(header)
    # "Percentage eenzaam", "% eenzaam", "Aandeel eenzaam (%)": the share of the measure.
    shares = [k[len(p) :] for k in keys for p in _SHARE_PREFIXES if k.startswith(p) and k != p]
    if shares and prefer_pct is None:
        prefer_pct = True
    for key in [*keys, *shares]:
        found = INDEX.get(key)
        if not found:
            continue
        if len(found) == 1 or prefer_pct is None:
            return found[0]
        for definition in found:
            if (definition.kind == PCT) == prefer_pct:
                return definition
        return found[0]
    return None


def humanise(label: str) -> str:
    """ "MatigVeelRegieOverEigenLeven_27" → "Matig veel regie over eigen leven"."""
    text = _ODATA_PREFIX_RE.sub("", _ODATA_SUFFIX_RE.sub("", label.strip()))
    if " " not in text and _CAMEL_RE.search(text):
        words = _CAMEL_RE.sub(" ", text).split()
        text = " ".join([words[0]] + [w.lower() for w in words[1:]])
    text = text.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


_SCORE_RE = re.compile(r"\b(buurt)?score\b")
_DISTANCE_UNITS = {"km", "m", "meter", "kilometer", "meters"}
_COUNT_UNITS = {"aantal", "abs", "absoluut"}


def infer_kind(label: str, unit: str, has_percent: bool, values=None) -> tuple[str, bool]:
    """(kind, certain) of a column no definition knows, from its name, unit and values.

    The name and the unit decide where they say something; otherwise the values do when
    they can only be one thing (whole numbers above 100: a count; decimals above 100: a
    number). Small whole numbers or decimals within 0–100 could be a count, a percentage or
    a score: uncertain, so the preview asks.
    """
    lowered = label.lower()
    u = unit.strip().lower()
    if (
        has_percent
        or is_percent_unit(unit)
        or lowered.startswith(("%", "percentage", "aandeel", "pct"))
    ):
        return PCT, True
    if "rapportcijfer" in lowered:
        return GRADE, True
    if "schaalscore" in lowered:
        return SCALE, True
    if _SCORE_RE.search(lowered):
        return SCORE, True
    if "afstand" in lowered or u in _DISTANCE_UNITS:
        return DISTANCE, True
    if u in _COUNT_UNITS or lowered.startswith(("aantal ", "totaal ")):
        return COUNT, True
    if u:
        return NUMBER, True  # euro, kWh, m³, ha, per 1 000 inwoners, …
    if lowered.startswith(("gemiddeld", "gemiddelde", "mediaan")) or "dichtheid" in lowered:
        return NUMBER, True
    if values is None:
        return COUNT, False
    import numpy as np

    present = np.asarray(values, dtype=float)
    present = present[~np.isnan(present)]
    if not len(present):
        return COUNT, False
    whole = bool(np.all(present == np.round(present)))
    if whole and present.min() >= 0 and present.max() > 100:
        return COUNT, True
    if not whole and (present.max() > 100 or present.min() < 0):
        return NUMBER, True
    return (COUNT if whole else NUMBER), False


def derive(header: str, *, unit: str = "", has_percent: bool = False, values=None) -> IndicatorDef:
    """An indicator for a numeric column that no definition knows.

    The rule (also in the module docstring of `layouts`): the code is the slug of the
    header's full path without its unit and OData suffix ("Huisartsenpraktijk/Binnen 1 km"
    → "huisartsenpraktijk-binnen-1-km"), the name is that path as written, joined with
    " / " (a sub-heading alone would name two facilities' columns alike); the kind is
    percentage when the unit or the cells say %, a count otherwise; direction neutral.
    """
    group, label, header_unit = split_header(header)
    unit = unit or header_unit
    label_name = humanise(label) or header.strip()
    path = [humanise(part) for part in group.split("/") if part.strip()] if group else []
    name = " / ".join([*path, label_name])
    code = slugify(_ascii(" ".join([*path, label_name])))[:80].strip("-") or "kolom"
    kind, certain = infer_kind(label_name, unit, has_percent, values)
    if kind == PCT:
        unit = unit or "%"
    elif kind == DISTANCE:
        unit = unit or "km"
    category = _category_of(group)
    column = header.strip()
    if unit and not header_unit:
        column = f"{column} ({unit})"  # the unit came from a units row
    return IndicatorDef(
        code, name[:200], kind, NEUTRAL, category, unit[:40], column=column, kind_certain=certain
    )


def column_key(header: str) -> str:
    """A header's full path and unit as a key: the same column of another file (spaced or
    cased differently) has the same key; another sub-heading or unit has another."""
    group, label, unit = split_header(header)
    return key_of(f"{group}/{label}" if group else label) + ":" + key_of(unit)


def _category_of(group: str) -> str:
    g = group.lower()
    if any(word in g for word in ("bevolking", "leeftijd", "geslacht", "huishouden")):
        return POPULATION
    if any(word in g for word in ("gezond", "zorg", "leefstijl")):
        return HEALTH
    if any(word in g for word in ("inkomen", "wonen", "woning", "uitkering", "arbeid", "bedrijf")):
        return INCOME
    return SOCIAL if group else POPULATION


def with_group_prefix(definition: IndicatorDef, header: str) -> IndicatorDef:
    """The same derived indicator, its code prefixed by the group before it."""
    group, _label, _unit = split_header(header)
    last_group = group.split("/")[-1] if group else ""
    if not last_group:
        return definition
    code = f"{slugify(_ascii(last_group))}-{definition.code}"[:80].strip("-")
    return replace(definition, code=code, name=f"{last_group}: {definition.name}"[:200])
