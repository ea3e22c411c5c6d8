"""Issue #12, "The README disagrees with the code": the configuration table said that
`APPEAL_WINDOW_DAYS` "defaults to 183 (at least 183)" while the code used 185, minimum 185.

Every default (and every "at least N") in the README's configuration table is read from the
code that applies it, `config/settings.py`, so a change on either side without the other fails
here. (The reviewer scope that `for_reviewer()` once did not have: tests/appeals/
test_reviewer_scope.py.)"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTING = re.compile(
    r'env_(?P<kind>int|bool|str|time_zone)\("(?P<name>[A-Z_]+)", (?P<default>[^,)]+)'
    r"(?:, minimum=(?P<minimum>\d+))?"
)


def _code_defaults() -> dict[str, tuple[str, str | None]]:
    """Each variable's default as the README would write it, and its minimum."""
    source = (ROOT / "config" / "settings.py").read_text()
    defaults = {}
    for match in SETTING.finditer(source):
        default = match["default"].strip()
        if not re.fullmatch(r'\d+|True|False|"[^"]*"', default):
            continue  # computed (a path, another setting): the README describes it in words
        if match["kind"] == "bool":
            default = default.lower()
        elif match["kind"] in ("str", "time_zone"):
            default = default.strip("\"'")
        defaults[match["name"]] = (default, match["minimum"])
    return defaults


def _readme_rows() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) of each row of the configuration table that names one
    variable and one literal default."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n\n", table.index("| variable |"))]
    rows = []
    for line in table.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) != 3:
            continue
        names = re.findall(r"`([A-Z_]+)`", cells[0])
        defaults = re.findall(r"`([^`]+)`", cells[1])
        if len(names) == len(defaults) and re.fullmatch(r"(`[^`]+`( / )?)+", cells[1]):
            rows += [
                (name, default, cells[2]) for name, default in zip(names, defaults, strict=True)
            ]
    return rows


def test_the_readme_disagrees_with_the_code_no_more_every_default_is_the_codes():
    code = _code_defaults()
    checked = []
    for name, default, _meaning in _readme_rows():
        if name in code:
            assert default == code[name][0], (
                f"README: {name} defaults to {default}; code: {code[name][0]}"
            )
            checked.append(name)
    # Not vacuous: the integer, boolean and text settings of the table are all compared.
    assert {
        "APPEAL_WINDOW_DAYS",
        "TERMINATION_NOTICE_DAYS",
        "REQUIRE_STAFF_MFA",
        "TIME_ZONE",
    } <= set(checked)
    assert len(checked) >= 10


def test_the_readme_disagrees_with_the_code_no_more_every_at_least_is_the_codes_minimum():
    code = _code_defaults()
    stated = 0
    for name, _default, meaning in _readme_rows():
        at_least = re.search(r"at least (\d+)", meaning)
        if at_least and name in code:
            assert at_least[1] == code[name][1], f"README: {name} at least {at_least[1]}"
            stated += 1
    assert stated >= 1  # APPEAL_WINDOW_DAYS: "at least 185"
