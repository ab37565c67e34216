"""Hostile text for every field a page shows, and the checks that it stayed text.

Reusable by any page's tests (map, site pages, later the list and the itinerary):

    slots = make_hostile_dataset(DATA, tmp_path / "data")   # a valid dataset, every text hostile
    server = serve(tmp_path / "data")
    page, watch = open_page(server, "/some/page")
    assert_nothing_ran(page)                                 # no injected element, handler or URL
    assert slots.site(site_id)["properties.name.zh"] in text_of(page, "h1")

Each text field of each record gets a different payload (cycling through PAYLOADS, so
every payload is used several times). A payload that runs calls alert(), which the
``open_page`` fixture records as a failure, and the CSP would block it and log a console
error, which fails the test too. Text is compared with ``textContent``: what the page
holds, not how it is laid out.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAYLOADS: list[str] = [
    # Plain tags and attributes
    "<script>alert('xss-1')</script>",
    "<img src=x onerror=alert('xss-2')>",
    '<img src="x" onerror="alert(`xss-3`)">',
    "<svg onload=alert('xss-4')>",
    "<svg><script>alert('xss-5')</script></svg>",
    "<body onload=alert('xss-6')>",
    "<iframe src=\"javascript:alert('xss-7')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('xss-8')</script>\"></iframe>",
    "<details open ontoggle=alert('xss-9')>",
    "<input autofocus onfocus=alert('xss-10')>",
    "<video><source onerror=alert('xss-11')></video>",
    "<audio src=x onerror=alert('xss-12')>",
    "<marquee onstart=alert('xss-13')>m</marquee>",
    "<object data=\"javascript:alert('xss-14')\"></object>",
    "<embed src=\"data:text/html,<script>alert('xss-15')</script>\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss-16')>",
    "<a href=\"javascript:alert('xss-17')\">click</a>",
    "<a href=\"JaVaScRiPt:alert('xss-18')\">click</a>",
    "<a href=\"&#106;avascript:alert('xss-19')\">click</a>",
    "<a href=\"java\tscript:alert('xss-20')\">tab</a>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgneHNzLTIxJyk8L3NjcmlwdD4=">data</a>',
    "<form action=\"javascript:alert('xss-22')\"><button>go</button></form>",
    "<base href=\"javascript:alert('xss-23')//\">",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'xss-24\')">',
    '<link rel=stylesheet href="data:text/css,*{color:red}">',
    # Breaking out of attributes, scripts, comments and raw-text elements
    '" onmouseover="alert(\'xss-26\')" x="',
    "' onfocus='alert(`xss-27`)' autofocus '",
    "\"><script>alert('xss-28')</script>",
    "'><img src=x onerror=alert('xss-29')>",
    "</script><script>alert('xss-30')</script>",
    "</title><script>alert('xss-31')</script>",
    "</textarea><script>alert('xss-32')</script>",
    "</style><script>alert('xss-33')</script>",
    "--><script>alert('xss-34')</script><!--",
    "<![CDATA[<script>alert('xss-35')</script>]]>",
    "</noscript><img src=x onerror=alert('xss-36')>",
    # Template and string-literal breaks (Jinja/branca, JS template literals, other engines)
    "{{7*7}}",
    "{{ config }}{{ self.__init__.__globals__ }}",
    "{% for x in range(3) %}loop{% endfor %}",
    "{% raw %}{{7*7}}{% endraw %}",
    "{#comment#}",
    "${7*7}",
    "`${alert('xss-42')}`",
    "';alert('xss-43');//",
    "\";alert('xss-44');//",
    "\\\";alert('xss-45');//",
    "#{7*7} <%= 7*7 %> [[7*7]]",
    "{{constructor.constructor('alert(`xss-48`)')()}}",
    # CSS
    "<div style=\"width: expression(alert('xss-49'))\">css</div>",
    "<div style=\"background:url(javascript:alert('xss-50'))\">css</div>",
    "<style>@import 'javascript:alert(\"xss-51\")';</style>",
    # Unicode tricks
    "line\u2028separator\u2029paragraph",
    # (U+202E overrides are refused by the validator, tests/test_text_rules.py; a mark is allowed)
    "\u200falert('xss-53')\u200f right-to-left mark",
    "\uff1cscript\uff1ealert('xss-54')\uff1c/script\uff1e",
    "<IMG SRC=x OnErRoR=alert('xss-55')>",
    "zero\u200bwidth\u200d<scr\u200bipt>alert('xss-56')</script>",
    "\ufeffBOM<b>bold</b>",
    "&lt;script&gt;alert('xss-58')&lt;/script&gt; &amp; &#60;",
    "%3Cscript%3Ealert('xss-59')%3C/script%3E",
    "\\u003cscript\\u003ealert('xss-60')\\u003c/script\\u003e",
    "\U0001f5fa\ufe0f 🗺 emoji <b>&</b> 云冈",
    # Polyglots and JSON/HTML structure
    "jaVasCript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert('xss-62') )//%0D%0A%0d%0a//</stYle/</titLe/"
    "</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert('xss-62')//>\\x3e",
    '{"__proto__": {"polluted": true}}',
    "__ID__ __SIZE__ __NAME__",
]


def _check_corpus() -> None:
    assert len(PAYLOADS) >= 50 and len(set(PAYLOADS)) == len(PAYLOADS)
    for p in PAYLOADS:
        # The data contract trims text, and HTML turns CR into LF and NUL into U+FFFD:
        # payloads avoid those so "shows literally" can be compared exactly.
        assert p == p.strip() and "\r" not in p and "\x00" not in p, p


_check_corpus()

# Layer icons are at most two characters.
ICONS = ["<", "&", '"', "{{", "'>", "}}", "<a", "${"]
# String fields that are codes, not text: they keep their valid values.
_NOT_TEXT = {"layer", "status", "precision", "file", "themes", "type", "id", "colour", "icon"}


@dataclass
class Slots:
    """Where each payload went: record id -> dotted field path -> text."""

    sites: dict[str, dict[str, str]] = field(default_factory=dict)
    layers: dict[str, dict[str, str]] = field(default_factory=dict)
    themes: dict[str, dict[str, str]] = field(default_factory=dict)
    used: set[str] = field(default_factory=set)

    def site(self, site_id: str) -> dict[str, str]:
        return self.sites[site_id]


class _Filler:
    def __init__(self):
        self.n = 0
        self.used: set[str] = set()

    def next(self) -> str:
        payload = PAYLOADS[self.n % len(PAYLOADS)]
        self.n += 1
        self.used.add(payload)
        return payload

    def fill(self, node: Any, path: str, out: dict[str, str]) -> Any:
        """Replace every text string under ``node`` (skipping codes); record it in ``out``."""
        if isinstance(node, dict):
            return {
                k: node[k] if k in _NOT_TEXT else self.fill(v, f"{path}.{k}".lstrip("."), out) for k, v in node.items()
            }
        if isinstance(node, list):
            return [self.fill(v, f"{path}.{i}", out) for i, v in enumerate(node)]
        if isinstance(node, str):
            out[path] = self.next()
            return out[path]
        return node


# A valid slug that is also an Object.prototype property: ids are used as JS object keys.
PROTO_ID = "constructor"


def make_hostile_dataset(source: Path, target: Path) -> Slots:
    """Copy the data folder ``source`` to ``target`` with every text field hostile.

    The first layer and the first located site are also renamed to ``PROTO_ID``."""
    shutil.copytree(source, target)
    filler, slots = _Filler(), Slots()
    renamed_layer = None

    def rewrite(name: str, change) -> None:
        path = target / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        change(doc)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")

    renamed_site = None

    def sites(doc):
        nonlocal renamed_site
        first = next(f for f in doc["features"] if f["geometry"])
        renamed_site, first["id"] = first["id"], PROTO_ID
        for f in doc["features"]:
            if f["properties"]["layer"] == renamed_layer:
                f["properties"]["layer"] = PROTO_ID
            out = slots.sites.setdefault(f["id"], {})
            f["properties"] = filler.fill(f["properties"], "properties", out)

    def layers(doc):
        nonlocal renamed_layer
        renamed_layer, doc["layers"][0]["id"] = doc["layers"][0]["id"], PROTO_ID
        for i, layer in enumerate(doc["layers"]):
            out = slots.layers.setdefault(layer["id"], {})
            layer.update(filler.fill(layer, "", out))
            layer["icon"] = out["icon"] = ICONS[i % len(ICONS)]

    def themes(doc):
        for theme in doc["themes"]:
            theme.update(filler.fill(theme, "", slots.themes.setdefault(theme["id"], {})))

    def trips(doc):
        # Keep trips.json consistent with the renamed layer and site; its own texts are
        # covered by tests/test_planner_xss.py.
        doc["visit_minutes"][PROTO_ID] = doc["visit_minutes"].pop(renamed_layer)
        for trip in doc["trips"]:
            for stop in trip["stops"]:
                if stop["site"] == renamed_site:
                    stop["site"] = PROTO_ID

    rewrite("layers.json", layers)
    rewrite("themes.json", themes)
    rewrite("sites.geojson", sites)
    if (target / "trips.json").exists():
        rewrite("trips.json", trips)
    slots.used = filler.used
    assert slots.used == set(PAYLOADS), "the dataset must carry every payload"
    return slots


# ---------------------------------------------------------------------------
# Checks in the browser (Playwright pages)

# Any element that could run script, load a frame or navigate by itself, and any
# attribute that is an event handler or a script/data URL.
# Our own inline code carries this response's nonce, or (the map page, kept for every
# visitor: webmap/web/pages.py) is allowed by its hash in the page's CSP.
_INJECTED = """async () => {
  const bad = [];
  let hashes = null;  // asked for only when some inline code has no nonce (an error page logs its 404 again)
  const allowed = async () => {
    const csp = await fetch(location.href).then((r) => r.headers.get('content-security-policy') || '');
    return (hashes = hashes || new Set(csp.match(/'sha256-[^']+'/g) || []));
  };
  const hashOf = async (text) => {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
    return "'sha256-" + btoa(String.fromCharCode(...d)) + "'";
  };
  const ours = async (el) => !!el.nonce || (await allowed()).has(await hashOf(el.textContent));
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['iframe', 'object', 'embed', 'base', 'frame', 'frameset', 'audio', 'video', 'marquee', 'math']
        .includes(tag)) bad.push('<' + tag + '>');
    if (tag === 'meta' && /refresh|set-cookie|security-policy/i.test(el.httpEquiv)) bad.push('<meta http-equiv>');
    if (tag === 'script' && !(el.src.startsWith(location.origin + '/') || el.type === 'application/json' ||
                              (!el.src && await ours(el))))
      bad.push('<script> without src/nonce/hash: ' + el.textContent.slice(0, 40));
    if ((tag === 'style' && !(await ours(el))) || (tag === 'link' && !el.href.startsWith(location.origin + '/')))
      bad.push('<' + tag + '> not ours');
    const src = el.getAttribute('src');
    if (tag === 'img' && src !== null && !(src.startsWith('/') || src.startsWith('https://')))
      bad.push('<img src=' + src + '>');
    for (const a of el.attributes) {
      if (a.name.startsWith('on')) bad.push(tag + '[' + a.name + ']');
      if (/^\\s*(javascript|vbscript|data):/i.test(a.value.replace(/[\\s\\u0000-\\u001f]/g, '')) &&
          ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc'].includes(a.name))
        bad.push(tag + '[' + a.name + '=' + a.value.slice(0, 30) + ']');
    }
  }
  return bad;
}"""


def assert_nothing_ran(page) -> None:
    """No element or attribute from a payload exists, and no payload ran (no alert: the
    ``open_page`` fixture fails the test on any dialog or console error)."""
    injected = page.evaluate(_INJECTED)
    assert injected == [], f"injected into {page.url}: {injected}"
    assert page.evaluate("window.polluted === undefined && ({}).polluted === undefined"), "prototype polluted"


def text_of(page_or_locator, selector: str | None = None) -> str:
    """The exact text content (not the rendered, whitespace-collapsed text)."""
    target = page_or_locator.locator(selector).first if selector else page_or_locator
    return target.evaluate("e => e.textContent")
