"""The Simplified Chinese catalogue: complete, compiled, covering the code, and served by default.

The UI is Chinese-first (LANGUAGE_CODE = "zh-hans") with English msgids in the code, so an
untranslated string shows up as English in a Chinese page. These tests make that a test
failure: every string the code marks for translation must be in
locale/zh_Hans/LC_MESSAGES/django.po with a real (non-empty, non-fuzzy) translation, and the
committed django.mo must be compiled from that .po. The fix is always the same:
``make messages``, translate the new entries, commit the .po and the .mo (docs/dev/i18n.md).

GNU gettext (msgfmt, xgettext, msgmerge) is required: a missing tool is a failure, never a
skip, so CI cannot pass without having checked the catalogue.
"""

import gettext as gettext_module
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, TestCase
from django.utils import translation

BASE_DIR = Path(settings.BASE_DIR)
LOCALE = "zh_Hans"
PO_PATH = BASE_DIR / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
FIX = (
    "Run `make messages` (makemessages + compilemessages), translate every new or fuzzy entry in "
    f"{PO_PATH.relative_to(BASE_DIR)} (no empty msgstr, no fuzzy flag), run `make messages` again "
    "and commit both django.po and django.mo. See docs/dev/i18n.md."
)
# The same folders `make messages` / the documented makemessages command leave out.
IGNORED_DIRS = {
    ".venv",
    "venv",
    ".git",
    "node_modules",
    "static",
    "staticfiles",
    "media",
    "locale",
    "__pycache__",
    "test-results",
    ".pytest_cache",
    ".ruff_cache",
}
# File types makemessages reads for the "django" domain.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")


#
# A small .po reader (no new dependency): enough for the files makemessages writes.
#
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(token: str) -> str:
    if not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"not a PO string: {token!r}")
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), token[1:-1])


def parse_po(text: str) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (list of forms), flags, line, obsolete."""
    entries: list[dict] = []
    entry: dict | None = None
    key: str | None = None

    def new_entry(line_no: int) -> dict:
        return {
            "msgctxt": None,
            "msgid": None,
            "msgid_plural": None,
            "msgstr": {},
            "flags": set(),
            "references": [],
            "line": line_no,
            "obsolete": False,
        }

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            entry, key = None, None
            continue
        if line.startswith("#"):
            if entry is not None and entry["msgid"] is not None:
                entry, key = None, None  # a comment after a complete entry starts the next one
            if entry is None:
                entry = new_entry(number)
                entries.append(entry)
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            elif line.startswith("#:"):
                entry["references"].extend(line[2:].split())
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")$", line)
        if match:
            keyword, index, value = match.group(1), match.group(2), _unquote(match.group(3))
            if keyword in ("msgctxt", "msgid") and entry is not None and entry["msgid"] is not None:
                entry = None  # an entry without a blank line before it
            if entry is None:
                entry = new_entry(number)
                entries.append(entry)
            entry["obsolete"] = entry["obsolete"] or obsolete
            if keyword.startswith("msgstr"):
                key = int(index) if index is not None else 0
                entry["msgstr"][key] = value
                key = ("msgstr", key)
            else:
                entry[keyword] = value
                key = keyword
            continue
        if line.startswith('"') and entry is not None and key is not None:
            if isinstance(key, tuple):
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key] += _unquote(line)
            continue
        raise ValueError(f"line {number}: cannot parse {raw!r}")
    for item in entries:
        item["msgstr"] = [item["msgstr"][i] for i in sorted(item["msgstr"])]
    return [e for e in entries if e["msgid"] is not None]


def read_po(path: Path) -> tuple[dict, list[dict]]:
    """(header fields, live entries) of a .po file."""
    entries = [e for e in parse_po(path.read_text(encoding="utf-8")) if not e["obsolete"]]
    header = next((e for e in entries if e["msgid"] == "" and e["msgctxt"] is None), None)
    fields = {}
    if header is not None:
        for line in header["msgstr"][0].splitlines():
            name, _sep, value = line.partition(":")
            fields[name.strip()] = value.strip()
        fields["_flags"] = header["flags"]
    return fields, [e for e in entries if e is not header]


def entry_key(entry: dict) -> tuple:
    return entry["msgctxt"], entry["msgid"], entry["msgid_plural"]


def describe(entry: dict) -> str:
    context = f"[{entry['msgctxt']}] " if entry["msgctxt"] else ""
    return f"{context}{entry['msgid']!r}"


def require_tool(test: SimpleTestCase, name: str) -> str:
    path = shutil.which(name)
    if not path:
        test.fail(
            f"GNU gettext's `{name}` is not installed. Install it with `apt-get install -y gettext` "
            "(CI does); the catalogue checks fail rather than skip so CI never passes without them."
        )
    return path


def mo_catalog(path: Path) -> dict:
    with path.open("rb") as fp:
        return dict(gettext_module.GNUTranslations(fp)._catalog)


class CatalogueTests(SimpleTestCase):
    """(a) Every entry translated, (b) the committed .mo compiled from the committed .po."""

    def setUp(self) -> None:
        self.assertTrue(PO_PATH.is_file(), f"{PO_PATH} is missing. {FIX}")
        self.header, self.entries = read_po(PO_PATH)

    def test_it_has_a_chinese_header_with_one_plural_form(self):
        self.assertNotIn("fuzzy", self.header.get("_flags", set()), f"The .po header is fuzzy. {FIX}")
        self.assertEqual(self.header.get("Language"), LOCALE)
        self.assertEqual(self.header.get("Plural-Forms"), "nplurals=1; plural=0;")
        self.assertEqual(self.header.get("Content-Type"), "text/plain; charset=UTF-8")

    def test_it_translates_every_msgid(self):
        self.assertGreater(len(self.entries), 100, "the catalogue looks truncated")
        problems = []
        for entry in self.entries:
            if "fuzzy" in entry["flags"]:
                problems.append(f"line {entry['line']}: fuzzy: {describe(entry)}")
            expected_forms = 1  # nplurals=1, also for msgid_plural entries
            if len(entry["msgstr"]) != expected_forms:
                problems.append(
                    f"line {entry['line']}: {len(entry['msgstr'])} msgstr forms, "
                    f"expected {expected_forms}: {describe(entry)}"
                )
            if not all(form.strip() for form in entry["msgstr"]):
                problems.append(f"line {entry['line']}: untranslated: {describe(entry)}")
        self.assertEqual(problems, [], f"{len(problems)} catalogue problem(s):\n" + "\n".join(problems) + f"\n{FIX}")

    def test_it_keeps_every_placeholder(self):
        problems = []
        for entry in self.entries:
            wanted = set(PLACEHOLDER.findall(entry["msgid"])) | set(PLACEHOLDER.findall(entry["msgid_plural"] or ""))
            for form in entry["msgstr"]:
                got = set(PLACEHOLDER.findall(form))
                if got != wanted:
                    problems.append(
                        f"line {entry['line']}: {describe(entry)} has {sorted(wanted)}, translation has {sorted(got)}"
                    )
        self.assertEqual(problems, [], "placeholders must be kept exactly:\n" + "\n".join(problems))

    def test_it_has_no_duplicate_entries(self):
        keys = [entry_key(e) for e in self.entries]
        duplicates = sorted({k[1] for k in keys if keys.count(k) > 1})
        self.assertEqual(duplicates, [])

    def test_it_commits_a_mo_compiled_from_the_po(self):
        msgfmt = require_tool(self, "msgfmt")
        self.assertTrue(MO_PATH.is_file(), f"{MO_PATH} is missing. {FIX}")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "django.mo"
            # --check: format strings, header and plural forms, as compilemessages' --check-format and more.
            result = subprocess.run([msgfmt, "--check", "-o", str(fresh), str(PO_PATH)], capture_output=True, text=True)
            self.assertEqual(result.returncode, 0, f"msgfmt --check failed:\n{result.stderr}")
            expected = mo_catalog(fresh)
        committed = mo_catalog(MO_PATH)
        stale = sorted(str(k) for k in expected.keys() - committed.keys())[:20]
        extra = sorted(str(k) for k in committed.keys() - expected.keys())[:20]
        changed = sorted(str(k) for k in expected.keys() & committed.keys() if expected[k] != committed[k])[:20]
        self.assertTrue(
            expected == committed,
            f"The committed django.mo is not compiled from the committed django.po "
            f"(missing from .mo: {stale}; only in .mo: {extra}; different: {changed}). {FIX}",
        )


class CoverageTests(SimpleTestCase):
    """(c) Every string marked for translation in the code is in the committed .po."""

    def extract(self, tmp: Path) -> list[dict]:
        """Run makemessages, as `make messages` does, on a copy of the source tree with an empty locale dir."""
        for tool in ("xgettext", "msguniq", "msgmerge", "msgattrib"):
            require_tool(self, tool)
        src = tmp / "src"
        for dirpath, dirnames, filenames in os.walk(BASE_DIR):
            dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
            for name in filenames:
                if Path(name).suffix in SOURCE_SUFFIXES:
                    source = Path(dirpath) / name
                    target = src / source.relative_to(BASE_DIR)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(source, target)
        (src / "locale").mkdir()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "development",
            "SECRET_KEY": "i18n-coverage-check-only-not-a-real-secret-0123456789",
        }
        command = [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            LOCALE,
            "--no-obsolete",
            "--verbosity",
            "0",
            *[f"--ignore={d}" for d in sorted(IGNORED_DIRS)],
        ]
        result = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True, timeout=300)
        self.assertEqual(result.returncode, 0, f"makemessages failed:\n{result.stdout}\n{result.stderr}")
        fresh = src / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
        self.assertTrue(fresh.is_file(), "makemessages wrote no catalogue")
        return read_po(fresh)[1]

    def test_it_covers_every_string_in_the_code(self):
        with tempfile.TemporaryDirectory() as tmp:
            in_code = self.extract(Path(tmp))
        committed = {entry_key(e) for e in read_po(PO_PATH)[1]}
        self.assertGreater(len(in_code), 100, "makemessages found suspiciously few strings")
        missing = [e for e in in_code if entry_key(e) not in committed]
        lines = []
        for entry in missing:
            where = ", ".join(entry["references"])
            lines.append(f"  {describe(entry)}" + (f" ({where})" if where else ""))
        if missing:
            self.fail(
                f"{len(missing)} translatable string(s) in the code are not in the Chinese catalogue:\n"
                + "\n".join(lines)
                + f"\n{FIX}"
            )


class GlossaryTests(SimpleTestCase):
    """The domain words of DESIGN.md §6 / docs/glossary.md, translated the same way everywhere."""

    TERMS = {
        "project": "项目",
        "building": "楼栋",
        "unit": "房屋",
        "Public areas": "公共区域",
        "department": "部门",
        "Owner": "业主",
        "Tenant": "租户",
        "Family member": "家庭成员",
        "Company admin": "公司管理员",
        "Quality manager": "品质经理",
        "Project manager": "项目经理",
        "Supervisor": "主管",
        "Staff": "员工",
        "Inspector": "第三方检查员",
        "Owners' committee": "业委会",
        "Viewer (read-only)": "只读查看",
        "Level 1": "一级",
        "Level 2": "二级",
        "Level 3": "三级",
        "Residential community": "住宅小区",
        "Office building": "写字楼",
        "Sign in": "登录",
        "Sign out": "退出登录",
        "verified": "已认证",
        "Business calendar": "营业日历",
        "adjusted working day": "调休上班日",
        "holiday": "节假日",
        "Notices": "公告",
        "Overview": "概览",
        "Export Excel": "导出 Excel",
        "Import": "导入",
        "mobile phone": "手机号",
        "floor area (m²)": "建筑面积（㎡）",
        "entrance": "单元",
        "room number": "房号",
        "unit code": "房屋编码",
    }

    def test_it_uses_the_glossary_terms(self):
        catalogue = {e["msgid"]: e["msgstr"][0] for e in read_po(PO_PATH)[1] if e["msgctxt"] is None}
        wrong = {
            msgid: catalogue.get(msgid)
            for msgid, chinese in self.TERMS.items()
            if msgid in catalogue and catalogue[msgid] != chinese
        }
        self.assertEqual(wrong, {}, f"glossary terms translated differently (expected {self.TERMS})")


class RenderingTests(TestCase):
    """(d) Pages come out in Chinese by default and in English after switching."""

    def setUp(self) -> None:
        # The client's requests activate languages in this thread; leave it as it was found.
        previous = translation.get_language()
        if previous:
            self.addCleanup(translation.activate, previous)
        else:
            self.addCleanup(translation.deactivate)

    def test_it_serves_chinese_by_default(self):
        for url, heading in (("/accounts/login/", "员工登录"), ("/m/login/", "业主登录")):
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertEqual(r.status_code, 200)
                self.assertContains(r, '<html lang="zh-hans">')
                self.assertContains(r, "登录")
                self.assertContains(r, heading)
                self.assertNotContains(r, "sign-in")
                self.assertNotContains(r, "Sign in")

    def test_it_serves_chinese_to_a_browser_asking_for_zh_cn(self):
        r = self.client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9,en;q=0.5")
        self.assertContains(r, '<html lang="zh-hans">')
        self.assertContains(r, "员工登录")

    def test_it_switches_to_english_and_back(self):
        r = self.client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
        self.assertRedirects(r, "/accounts/login/", fetch_redirect_response=False)
        for url, heading in (("/accounts/login/", "Staff sign-in"), ("/m/login/", "Owner sign-in")):
            with self.subTest(url=url):
                r = self.client.get(url)
                self.assertContains(r, '<html lang="en">')
                self.assertContains(r, "Sign in")
                self.assertContains(r, heading)
                self.assertNotContains(r, "登录")
        self.client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/m/login/"})
        r = self.client.get("/m/login/")
        self.assertContains(r, '<html lang="zh-hans">')
        self.assertContains(r, "业主登录")
