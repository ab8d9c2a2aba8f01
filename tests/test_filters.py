"""The filter language, sorting, columns and output formats of ``list``, on the demo workspace.

The demo's dates are relative to 2026-12-04, which PANDAI_TODAY sets for every test, so
``today``, ``-30d`` and ``+7d`` always mean the same days here.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
import yaml

from conftest import commit_count, run, uncommitted

MY_OPEN = ["csonka-maria", "gyori-tamas", "horvath-levente", "kiss-peter", "lengyel-nora",
           "nemeth-ildiko", "takacs-lilla"]
NEW_LEADS = ["bakos-timea", "bogdan-petra", "csonka-maria", "fazekas-gabor", "horvath-levente",
             "ori-katalin", "simon-zoltan", "takacs-lilla"]
OFFERS_SENT = ["biro-aniko", "farkas-toth-eszter", "fodor-bence", "gyori-tamas", "kiss-peter",
               "szalai-balint", "szucs-gergely", "urmos-noemi"]
AT_LEAST_1M = ["balogh-reka", "biro-aniko", "dudas-attila", "erdos-kristof",
               "farkas-toth-eszter", "fekete-judit", "fodor-bence", "gyori-tamas",
               "hegedus-csaba", "juhasz-ferenc", "kertesz-ervin", "kiss-peter", "koszegi-agnes",
               "lakatos-daniel", "nemeth-ildiko", "olah-krisztian", "osz-gyula", "somogyi-akos",
               "szalai-balint", "szekeres-gyozo", "urmos-noemi", "uveges-marton",
               "voros-emese"]
AT_LEAST_1_5M = ["balogh-reka", "biro-aniko", "dudas-attila", "erdos-kristof",
                 "farkas-toth-eszter", "fekete-judit", "fodor-bence", "gyori-tamas",
                 "juhasz-ferenc", "kertesz-ervin", "kiss-peter", "koszegi-agnes",
                 "lakatos-daniel", "nemeth-ildiko", "olah-krisztian", "somogyi-akos",
                 "szalai-balint", "szekeres-gyozo", "urmos-noemi", "voros-emese"]
DUE_TODAY = ["biro-aniko", "bogdan-petra", "fekete-judit", "fodor-bence", "gal-benedek",
             "horvath-levente", "kiss-peter", "kiss-peter-2", "lakatos-daniel",
             "meszaros-eniko", "molnar-adam", "nemeth-ildiko", "ordog-zsofia", "ori-katalin",
             "simon-zoltan", "sipos-hajnalka", "szalai-balint", "szucs-gergely"]
DUE_IN_A_WEEK = ["bakos-timea", "biro-aniko", "bogdan-petra", "csonka-maria",
                 "farkas-toth-eszter", "fekete-judit", "fodor-bence", "gal-benedek",
                 "gyori-tamas", "horvath-levente", "juhasz-ferenc", "kiss-peter", "kiss-peter-2",
                 "lakatos-daniel", "lengyel-nora", "meszaros-eniko", "molnar-adam",
                 "nemeth-ildiko", "ordog-zsofia", "ori-katalin", "osz-gyula", "pinter-szilvia",
                 "racz-viktoria", "simon-zoltan", "sipos-hajnalka", "szalai-balint",
                 "szucs-gergely", "takacs-lilla"]
NOT_CONTACTED_30_DAYS = ["balogh-reka", "erdos-kristof", "fekete-judit", "fodor-bence",
                         "gal-benedek", "halasz-richard", "hegedus-csaba", "kertesz-ervin",
                         "molnar-adam", "nemeth-ildiko", "ordog-zsofia", "papp-orsolya",
                         "racz-viktoria", "somogyi-akos", "szalai-balint", "szekeres-gyozo",
                         "szucs-gergely", "uveges-marton", "varga-dora"]
NOT_CONTACTED_3_MONTHS = ["erdos-kristof", "fekete-judit", "gal-benedek", "halasz-richard",
                          "kertesz-ervin", "molnar-adam", "ordog-zsofia", "papp-orsolya",
                          "varga-dora"]
WON = ["balogh-reka", "hegedus-csaba", "juhasz-ferenc", "kelemen-rita", "koszegi-agnes",
       "lakatos-daniel", "olah-krisztian", "uveges-marton", "varga-dora", "voros-emese"]
LOST = ["dudas-attila", "fekete-judit", "gal-benedek", "molnar-adam", "ordog-zsofia",
        "somogyi-akos"]
CSILLA = ["bakos-timea", "balogh-reka", "erdos-kristof", "farkas-toth-eszter", "fodor-bence",
          "hegedus-csaba", "juhasz-ferenc", "kelemen-rita", "koszegi-agnes", "meszaros-eniko",
          "ordog-zsofia", "ori-katalin", "osz-gyula", "pinter-szilvia", "racz-viktoria"]
INACTIVE = ["erdos-kristof", "halasz-richard", "kertesz-ervin", "papp-orsolya"]
NO_OWNER = ["bogdan-petra", "fazekas-gabor", "halasz-richard"]
DUE_DEC_5 = ["bakos-timea", "osz-gyula", "takacs-lilla"]
ALL_IDS = 45


@pytest.fixture(scope="module")
def demo(_templates, tmp_path_factory):
    """One copy of the demo workspace for this module, whose tests only read it."""
    target = tmp_path_factory.mktemp("filters") / "demo"
    shutil.copytree(_templates["demo"], target, symlinks=True)
    return target


def ids(ws, *args, **options) -> list[str]:
    """Return the ids ``list ARGS --format ids`` prints, after checking it succeeded."""
    result = run(ws, "list", *args, "--format", "ids", **options)
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("filters, expected", [
    (["owner=@me", "stage=open"], MY_OPEN),
    (["felelős=@én", "stage=open"], MY_OPEN),
    (["Felelős=@magam", "szakasz=nyitott"], MY_OPEN),
    (["státusz=Új lead"], NEW_LEADS),
    (["status=új LEAD"], NEW_LEADS),
    (["status=Új lead,Ajánlat elküldve"], sorted(NEW_LEADS + OFFERS_SENT)),
    (["status~ajanlat"], OFFERS_SENT),
    (["érték>=1M"], AT_LEAST_1M),
    (["value>=1 000 000 Ft"], AT_LEAST_1M),
    (["value>=1,5M"], AT_LEAST_1_5M),
    (["value>=1.5M"], AT_LEAST_1_5M),
    (["value<200000"], ["meszaros-eniko", "molnar-adam", "papp-orsolya", "varga-dora"]),
    (["value>8500000"], ["gyori-tamas", "olah-krisztian"]),
    (["value=1.800.000"], ["kiss-peter"]),
    (["value>=5M"], ["fodor-bence", "gyori-tamas", "lakatos-daniel", "olah-krisztian",
                     "urmos-noemi"]),
    (["next_action<=today"], DUE_TODAY),
    (["következő_teendő<=ma"], DUE_TODAY),
    (["next_action<=+7d"], DUE_IN_A_WEEK),
    (["next_action<=+1w"], DUE_IN_A_WEEK),
    (["next_action<2026-11-20"], ["fekete-judit", "molnar-adam", "nemeth-ildiko",
                                  "ordog-zsofia"]),
    (["next_action>2027-01-31"], ["dudas-attila", "olah-krisztian", "uveges-marton"]),
    (["next_action=2026.12.05."], DUE_DEC_5),
    (["next_action=2026. 12. 05."], DUE_DEC_5),
    (["next_action=2026-12-05"], DUE_DEC_5),
    (["next_action=holnap"], DUE_DEC_5),
    (["next_action=tomorrow"], DUE_DEC_5),
    (["last_contact<-30d"], NOT_CONTACTED_30_DAYS),
    (["utolsó_kapcsolat<-30d"], NOT_CONTACTED_30_DAYS),
    (["last_contact<-3m"], NOT_CONTACTED_3_MONTHS),
    (["created>=-7d"], ["bogdan-petra", "fazekas-gabor", "horvath-levente", "ori-katalin",
                        "takacs-lilla"]),
    (["created>2026-12-01"], ["fazekas-gabor", "takacs-lilla"]),
    (["stage=won"], WON),
    (["stage=lost"], LOST),
    (["szakasz=elvesztett"], LOST),
    (["stage!=open"], sorted(WON + LOST + INACTIVE)),
    (["owner=Cili"], CSILLA),
    (["owner=csilla"], CSILLA),
    (["owner=@csilla"], CSILLA),
    (["owner="], NO_OWNER),
    (["owner!=anna,bela,csilla"], NO_OWNER),
    (["source="], ["halasz-richard", "osz-gyula"]),
    (["email="], ["kiss-peter-2", "simon-zoltan", "varga-dora"]),
    (["last_contact="], ["bakos-timea", "bogdan-petra", "csonka-maria", "fazekas-gabor",
                         "ori-katalin", "takacs-lilla"]),
    (["company~ZÖLD"], ["erdos-kristof", "kertesz-ervin", "ori-katalin"]),
    (["company~zold"], ["erdos-kristof", "kertesz-ervin", "ori-katalin"]),
    (["cég~ős"], ["bakos-timea", "koszegi-agnes", "lakatos-daniel", "meszaros-eniko",
                  "nemeth-ildiko", "osz-gyula", "sipos-hajnalka", "voros-emese"]),
    (["phone~+3613"], ["balogh-reka", "biro-aniko", "halasz-richard", "hegedus-csaba",
                       "koszegi-agnes"]),
    (["tags=vip"], ["fodor-bence", "gyori-tamas", "juhasz-ferenc", "lakatos-daniel",
                    "olah-krisztian"]),
    (["címkék~szerz"], ["balogh-reka", "juhasz-ferenc", "koszegi-agnes", "uveges-marton"]),
    (["notes~árlist"], ["kiss-peter"]),
    (["id=kiss-peter-2"], ["kiss-peter-2"]),
    (["owner=@me", "stage=open", "value>=1M"], ["gyori-tamas", "kiss-peter", "nemeth-ildiko"]),
])
def test_filter(demo, filters, expected):
    assert sorted(ids(demo, *filters)) == sorted(expected)


def test_no_filter_lists_all(demo):
    assert len(ids(demo)) == ALL_IDS


def test_not_equal_excludes(demo):
    found = ids(demo, "name!=Kiss Péter")

    assert len(found) == ALL_IDS - 2
    assert "kiss-peter" not in found


def test_hungarian_alias_same_result(demo):
    assert ids(demo, "felelős=@én", "státusz=Ajánlat elküldve", "érték>=1M") == \
        ids(demo, "owner=@me", "status=Ajánlat elküldve", "value>=1M")


def test_sort_descending(demo):
    found = ids(demo, "owner=@me", "stage=open", "--sort", "-value")

    # Lengyel Nóra has no value: empty values come last in either direction.
    assert found == ["gyori-tamas", "nemeth-ildiko", "kiss-peter", "csonka-maria",
                     "horvath-levente", "takacs-lilla", "lengyel-nora"]


def test_sort_several_keys(demo):
    found = ids(demo, "owner=bela", "--sort", "status,-value")

    assert found == ["simon-zoltan", "szekeres-gyozo", "sipos-hajnalka", "kiss-peter-2",
                     "urmos-noemi", "biro-aniko", "szalai-balint", "szucs-gergely",
                     "lakatos-daniel", "uveges-marton", "varga-dora", "somogyi-akos",
                     "molnar-adam", "papp-orsolya"]


def test_sort_by_hungarian_name(demo):
    assert ids(demo, "stage=lost", "--sort", "-érték") == [
        "dudas-attila", "somogyi-akos", "fekete-judit", "ordog-zsofia", "gal-benedek",
        "molnar-adam"]


def test_default_sort_is_name(demo):
    assert ids(demo, "stage=lost") == ["dudas-attila", "fekete-judit", "gal-benedek",
                                       "molnar-adam", "ordog-zsofia", "somogyi-akos"]


def test_columns_table(demo):
    result = run(demo, "list", "owner=@me", "stage=open", "--sort", "-value", "--columns",
                 "name,value,next_action")

    assert result.exit_code == 0
    assert result.stdout == (
        "Name             Value          Next action\n"
        "---------------  -------------  -------------\n"
        "Győri Tamás      HUF25,000,000  Dec 10, 2026\n"
        "Németh Ildikó    HUF1,900,000   Nov 16, 2026\n"
        "Kiss Péter       HUF1,800,000   Dec 4, 2026\n"
        "Csonka Mária     HUF480,000     Dec 9, 2026\n"
        "Horváth Levente  HUF450,000     Dec 1, 2026\n"
        "Takács Lilla     HUF240,000     Dec 5, 2026\n"
        "Lengyel Nóra                    Dec 7, 2026\n"
        "7 clients\n")


def test_columns_hungarian_csv(demo):
    result = run(demo, "list", "stage=lost", "--sort", "-value", "--columns",
                 "név,érték,következő_teendő", "--format", "csv")

    assert result.exit_code == 0
    assert result.stdout == ("id,name,value,next_action\n"
                             "dudas-attila,Dudás Attila,3800000,2027-02-10\n"
                             "somogyi-akos,Somogyi Ákos,2200000,2026-12-21\n"
                             "fekete-judit,Fekete Judit,2100000,2026-09-05\n"
                             "ordog-zsofia,Ördög Zsófia,900000,2026-10-14\n"
                             "gal-benedek,Gál Benedek,300000,2026-12-04\n"
                             "molnar-adam,Molnár Ádám,120000,2026-09-02\n")


def test_format_csv_default_columns(demo):
    result = run(demo, "list", "name~takacs", "--format", "csv")

    assert result.stdout == ("id,name,company,status,owner,next_action,value\n"
                             "takacs-lilla,Takács Lilla,Liliom Virágbolt,Új lead,anna,"
                             "2026-12-05,240000\n")


def test_format_csv_quotes(demo):
    result = run(demo, "list", "id=ori-katalin", "--columns", "company,tags", "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))

    assert rows == [["id", "company", "tags"], ["ori-katalin", '"Zöld Ág" Kertépítő Bt.', ""]]


def test_format_json(demo):
    result = run(demo, "list", "tags=vip", "owner=anna", "--format", "json")
    records = json.loads(result.stdout)

    assert [record["id"] for record in records] == ["gyori-tamas", "olah-krisztian"]
    assert list(records[0])[:3] == ["id", "name", "company"]
    assert records[0]["value"] == 25000000
    assert records[0]["next_action"] == "2026-12-10"
    assert records[0]["tags"] == ["vip"]
    assert records[0]["status_history"][0] == {"at": "2026-06-03", "by": "anna",
                                               "to": "Új lead"}


def test_format_yaml(demo):
    result = run(demo, "list", "tags=vip", "owner=anna", "--format", "yaml")
    records = yaml.safe_load(result.stdout)

    assert [record["id"] for record in records] == ["gyori-tamas", "olah-krisztian"]
    assert records[0]["phone"] == "+36303345120"
    assert records[0]["value"] == 25000000


def test_format_ids(demo):
    result = run(demo, "list", "stage=lost", "--format", "ids")

    assert result.stdout == ("dudas-attila\nfekete-judit\ngal-benedek\nmolnar-adam\n"
                             "ordog-zsofia\nsomogyi-akos\n")


def test_empty_result_formats(demo):
    table = run(demo, "list", "name~zzz")
    as_json = run(demo, "list", "name~zzz", "--format", "json")
    as_ids = run(demo, "list", "name~zzz", "--format", "ids")

    assert table.stdout == "0 clients\n"
    assert as_json.stdout == "[]\n"
    assert as_ids.stdout == ""


def test_view_today(demo):
    result = run(demo, "list", "--view", "today")

    assert result.exit_code == 0
    assert result.stdout == (
        "Mai és lejárt teendők\n"
        "Name             Company                          Status                   Owner"
        "    Next action\n"
        "---------------  -------------------------------  -----------------------  -------"
        "  -------------\n"
        "Németh Ildikó    Németh és Fiai Autószerviz Kft.  Kapcsolatfelvétel alatt  anna "
        "    Nov 16, 2026\n"
        "Szűcs Gergely    Szűcs Bőrdíszmű Bt.              Ajánlat elküldve         bela "
        "    Nov 20, 2026\n"
        "Fodor Bence      Pannon Napelem Kft.              Ajánlat elküldve         csilla"
        "   Nov 30, 2026\n"
        "Horváth Levente  Dunakanyar Vitorlás Egyesület    Új lead                  anna "
        "    Dec 1, 2026\n"
        "Kiss Péter       Tiszaparti Pékség Bt.            Kapcsolatfelvétel alatt  bela "
        "    Dec 1, 2026\n"
        "Bíró Anikó       Bíró és Bíró Könyvkiadó Kft.     Ajánlat elküldve         bela "
        "    Dec 2, 2026\n"
        "Simon Zoltán     Simon Gépszerviz Bt.             Új lead                  bela "
        "    Dec 2, 2026\n"
        "Bogdán Petra     Bogdán Jóga Stúdió               Új lead                       "
        "    Dec 3, 2026\n"
        "Kiss Péter       Bükki Faipari Kft.               Ajánlat elküldve         anna "
        "    Dec 4, 2026\n"
        "Lakatos Dániel   Lakatos Építőipari Kft.          Ügyfél (megnyert)        bela "
        "    Dec 4, 2026\n"
        "Mészáros Enikő   Mészáros Szépségszalon           Kapcsolatfelvétel alatt  csilla"
        "   Dec 4, 2026\n"
        "Őri Katalin      \"Zöld Ág\" Kertépítő Bt.          Új lead                  csilla"
        "   Dec 4, 2026\n"
        "Sipos Hajnalka   Sipos Cukrászda Kft.             Kapcsolatfelvétel alatt  bela "
        "    Dec 4, 2026\n"
        "Szalai Bálint    Balatoni Hajójavító Kft.         Ajánlat elküldve         bela "
        "    Dec 4, 2026\n"
        "14 clients\n")


def test_view_plus_filter(demo):
    assert ids(demo, "--view", "today", "owner=anna") == ["nemeth-ildiko", "horvath-levente",
                                                          "kiss-peter"]


def test_view_mine_uses_user(demo):
    found = ids(demo, "--view", "mine", env={"PANDAI_USER": "bela"})

    assert found == ["szucs-gergely", "kiss-peter-2", "biro-aniko", "simon-zoltan",
                     "sipos-hajnalka", "szalai-balint", "urmos-noemi", "szekeres-gyozo"]


def test_stage_alternatives(demo):
    everyone = set(ids(demo))

    found = ids(demo, "stage=open,won")

    assert sorted(found) == sorted(everyone - set(LOST) - set(INACTIVE))


def test_search_option(demo):
    assert ids(demo, "--search", "PÉKSÉG") == ["kiss-peter-2"]


def test_search_option_with_filter(demo):
    assert ids(demo, "stage=open", "--search", "gyori") == ["gyori-tamas", "lengyel-nora"]


def test_search_folds_accents(workspace):
    run(workspace, "add", "Kovács László", "--company", "Kő és Társa Kft.")
    run(workspace, "add", "Szabó Éva", "--email", "eva@kovacs-es-tarsa.hu")

    by_name = run(workspace, "search", "kovacs", "--format", "ids")
    upper = run(workspace, "search", "KOVÁCS LÁSZLÓ", "--format", "ids")
    by_company = run(workspace, "search", "ko es tarsa", "--format", "ids")

    assert by_name.stdout == "kovacs-laszlo\nszabo-eva\n"
    assert upper.stdout == "kovacs-laszlo\n"
    assert by_company.stdout == "kovacs-laszlo\n"
    assert uncommitted(workspace) == ""
    assert commit_count(workspace) == 4


def test_search_table(demo):
    result = run(demo, "search", "hegedus")

    assert result.stdout == (
        "Id             Name           Company                    Status             Owner"
        "    Next action    Value\n"
        "-------------  -------------  -------------------------  -----------------  -------"
        "  -------------  ------------\n"
        "hegedus-csaba  Hegedűs Csaba  Hegedűs Hangszerbolt Kft.  Ügyfél (megnyert)  csilla "
        "                 HUF1,350,000\n"
        "1 client\n")


def test_no_color_plain(demo):
    result = run(demo, "list", "stage=lost")

    assert "\x1b[" not in result.stdout


def test_color_never_plain(demo):
    result = run(demo, "--color", "never", "list", "stage=lost", env={"NO_COLOR": None})

    assert "\x1b[" not in result.stdout


def test_color_auto_plain_when_piped(demo):
    result = run(demo, "list", "stage=lost", env={"NO_COLOR": None})

    assert "\x1b[" not in result.stdout


def test_color_always(demo):
    result = run(demo, "--color", "always", "list", "stage=lost", "--columns", "name,status")

    assert "Dudás Attila  \x1b[31mElvesztett\x1b[0m" in result.stdout


def test_color_always_show(demo):
    result = run(demo, "--color", "always", "show", "kiss-peter")

    assert "\x1b[33m📨 Ajánlat elküldve\x1b[0m" in result.stdout


@pytest.mark.parametrize("bad, reason", [
    ("nobody=x", "unknown field 'nobody'"),
    ("value>=abc", "'abc' is not an amount"),
    ("next_action<=someday", "'someday' is not a date"),
    ("next_action<=2026-13-01", "'2026-13-01' is not a valid calendar date"),
    ("last_contact<-30x", "unknown unit 'x'"),
    ("stage=weird", "unknown stage 'weird'"),
    ("value<", "< needs exactly one value"),
    ("status<Új lead,Elvesztett", "< needs exactly one value"),
    ("justtext", "write FIELD OP VALUE"),
    ("=x", "write FIELD OP VALUE"),
    ("tags>vip", "tags cannot be compared with >"),
    ("címkék<=vip", "Use címkék=TAG"),
])
def test_bad_filter(demo, bad, reason):
    result = run(demo, "list", bad)

    assert result.exit_code == 4
    assert result.stderr.startswith(f"Error: Invalid filter {bad!r}: ")
    assert reason in result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("spec", ["-", "name,+"])
def test_sort_without_field(demo, spec):
    result = run(demo, "list", "--sort", spec)

    assert result.exit_code == 4
    assert "the field name is missing" in result.stderr
    assert result.stdout == ""


def test_me_without_user(demo):
    result = run(demo, "list", "owner=@me", env={"PANDAI_USER": None})

    assert result.exit_code == 4
    assert "Cannot tell who you are: set PANDAI_USER" in result.stderr


def test_me_from_git_email(demo, tmp_path):
    # Without PANDAI_USER, the team member whose e-mail is git's user.email is "me".
    own = tmp_path / "demo"
    shutil.copytree(demo, own, symlinks=True)
    git_config = own / ".git" / "config"
    git_config.write_text(git_config.read_text() + "[user]\n\temail = Bela@Pelda.hu\n")

    assert "biro-aniko" in ids(own, "owner=@me", env={"PANDAI_USER": None})
