// Hand-written templates for render_templates.js: one or a few features each (statements,
// whitespace control, operators, every filter and test of the reference, string and mapping
// methods, errors), rendered with the variables below unless a case brings its own.
"use strict";

const VARIABLES = {
  s: "Hello World",
  padded: "  \n padded \t ",
  u: "ünïcödé ΑΣ 😀 ß",
  n: 3,
  neg: -7,
  f: 2.5,
  whole: 4.0,
  yes: true,
  no: false,
  nothing: null,
  items: [3, 1, 2],
  words: ["banana", "Apple", "cherry"],
  mixed: [1, "a", null, true, 2.5],
  empty: [],
  d: { b: 1, a: 2, "10": "ten", "2": "two", nested: { x: [1, { y: "deep" }] } },
  users: [
    { name: "ann", age: 31, admin: true, tags: ["a", "b"] },
    { name: "Bob", age: 25, admin: false },
    { name: "cy", age: 40, admin: true, nick: "C" },
  ],
  messages: [
    { role: "system", content: "sys" },
    { role: "user", content: "hi" },
    { role: "assistant", content: "hello" },
  ],
  text: "a,b,,c",
  lines: "one\n\ntwo\nthree",
};

const TEMPLATES = [
  // Printing values.
  "{{ 1 }}|{{ 1.0 }}|{{ -0.0 }}|{{ 1.5 }}|{{ 007 }}|{{ 123456789012345678901234 }}|{{ 0.1 + 0.2 }}",
  "{{ true }}|{{ True }}|{{ none }}|{{ None }}|{{ undefined_name }}|{{ nothing }}|{{ yes }}",
  "{{ [1, 'a', none, true, 2.0] }}|{{ {'a': 1, 'b': [1, 2], 'c': none} }}|{{ d }}|{{ users[0] }}",
  "{{ 'single' }}{{ \"double\" }}{{ 'adjacent' 'strings' }}|{{ 'esc\\n\\t\\'\\\"\\\\\\x41\\u00e9' }}",
  "{{ whole }}|{{ f }}|{{ n }}|{{ neg }}|{{ whole + 1 }}|{{ n + 1.0 }}",
  // Arithmetic and operators.
  "{{ 10 / 4 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 2 ** 3 ** 2 }}",
  "{{ 1 + 2 * 3 - 4 }}|{{ (1 + 2) * 3 }}|{{ -n }}|{{ +n }}|{{ - - n }}|{{ 1 - -1 }}|{{ n*-1 }}|{{ 10 / 0 }}",
  "{{ 'a' ~ 1 ~ 1.0 ~ true ~ [1, 'x'] ~ undefined_name }}|{{ 'a' + 'b' }}|{{ 'n=' + 3 }}|{{ 1.0 ~ '' }}",
  "{{ [1, 2] + [3] }}|{{ (1, 2) + [3] }}|{{ items + empty }}",
  "{{ 1 == 1.0 }}{{ 1 == true }}{{ '1' == 1 }}{{ none == undefined_name }}{{ 'a' != 'b' }}{{ [1] == [1] }}{{ items == items }}",
  "{{ 1 < 2 }}{{ 2.5 >= 2 }}{{ n <= 3 }}{{ n > 10 }}",
  "{{ 'ell' in s }}{{ 'z' in s }}{{ 2 in items }}{{ '2' in items }}{{ 'a' in d }}{{ 'zz' not in d }}{{ 1 in undefined_name }}{{ 1 not in undefined_name }}",
  "{{ yes and n }}|{{ no or 'fallback' }}|{{ none or empty or 0 }}|{{ not yes }}|{{ not not n }}|{{ empty and 1 }}",
  "{{ 'a' if yes else 'b' }}|{{ 'a' if no else 'b' if yes else 'c' }}|{{ 'only' if no }}|{{ 'only' if yes }}",
  // Attribute and item access, slices.
  "{{ users[0].name }}|{{ users[1]['age'] }}|{{ users[-1].nick }}|{{ users[5] }}|{{ d.nested.x[1].y }}|{{ d['10'] }}|{{ messages.0.role }}",
  "{{ s[0] }}{{ s[-1] }}{{ s[1:4] }}|{{ s[::-1] }}|{{ s[::2] }}|{{ s[-3:] }}|{{ u[::-1] }}|{{ u[1:3] }}|{{ u[-2] }}",
  "{{ items[1:] }}|{{ items[:-1] }}|{{ items[::-1] }}|{{ items[5:] }}|{{ items[-10:2] }}|{{ items[2:0:-1] }}|{{ items[::0] }}",
  "{{ undefined_name.attr }}|{{ nothing.attr }}|{{ n.attr }}|{{ s.nope }}|{{ items.length }}|{{ s.length }}|{{ u.length }}",
  // Whitespace control.
  "a  {{- ' b ' -}}  c\n  {%- if yes -%}  d  {%- endif -%}\n  e",
  "line1\n    {% if yes %}\n    kept\n    {% endif %}\nline2\n{# comment #}\nline3\n",
  "x {#- trimmed comment -#} y\n{# plain #}z\n   {#- a -#}   w",
  "{% for i in items %}\n  {{ i }}\n{% endfor %}\nend\n",
  "{%- for i in items -%}\n[{{- i -}}]\n{%- endfor -%}",
  "text %}\nnext #}\nlast -}\n{{ 'x' }}\n",
  "  {{ 'indented expression' }}\n\t{% set x = 1 %}tab {{ x }}",
  "{% generation %}kept{% endgeneration %} |{%- generation -%}  trimmed  {%- endgeneration -%}| end",
  // Statements.
  "{% if n > 5 %}big{% elif n > 2 %}medium{% elif n > 0 %}small{% else %}none{% endif %}",
  "{% for u in users %}{{ loop.index }}/{{ loop.index0 }}/{{ loop.revindex }}/{{ loop.revindex0 }}/{{ loop.first }}/{{ loop.last }}/{{ loop.length }}:{{ u.name }};{% endfor %}",
  "{% for u in users %}{{ loop.previtem.name if loop.previtem else '-' }}>{{ loop.nextitem.name if loop.nextitem is defined else '-' }} {% endfor %}",
  "{% for x in empty %}never{% else %}empty{% endfor %}|{% for x in items if x > 1 %}{{ x }}{% else %}none{% endfor %}",
  "{% for k in d %}{{ k }},{% endfor %}|{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}",
  "{% for a, b in [[1, 2], [3, 4]] %}{{ a }}{{ b }}{% endfor %}",
  "{% for a, b in [(1, 2)] %}{{ a }}{% endfor %}",
  "{% for x in items %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %}|{% for x in items %}{{ x }}{% if x == 1 %}{% break %}{% endif %}{% endfor %}",
  "{% for x in items %}a{% continue %}b{% else %}else{% endfor %}|{% for x in items %}{% break %}{% else %}else2{% endfor %}",
  "{% for i in range(3) %}{% for j in range(i) %}{{ i }}{{ j }} {% endfor %}{% endfor %}|{{ range(2, 10, 3) }}|{{ range(5, 0, -2) }}|{{ range(0) }}",
  "{% set x = 1 %}{% for i in items %}{% set x = i %}{% endfor %}{{ x }}|{% set ns = namespace(x=1) %}{% for i in items %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}",
  "{% set a, b = 1, 2 %}{{ a }}{{ b }}|{% set c = (3, 4) %}{% set p, q = c %}{{ p }}{{ q }}|{% set block %}inner {{ n }}{% endset %}[{{ block }}]",
  "{% set ns = namespace(a=1, b='x') %}{{ ns.a }}{{ ns.b }}{{ ns.c }}|{{ namespace({'k': 1}).k }}|{{ namespace([['p', 2]]).p }}|{{ ns }}",
  "{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('ann') }} {{ greet('bob', 'Hi') }} {{ greet(name='cy', greeting='Yo') }}",
  "{% macro m(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}{{ m(1, 2, 3, x=4) }}",
  "{% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}{% call wrap('b') %}bold {{ n }}{% endcall %}",
  "{% macro list(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(x) list(items) %}[{{ x }}]{% endcall %}",
  "{% macro f() %}{{ outer }}{% endmacro %}{% set outer = 'late' %}{{ f() }}",
  "{% filter upper %}shout {{ s }}{% endfilter %}|{% filter replace('o', '0') %}foo boo{% endfilter %}",
  "{# a comment #}{{ 'after comment' }}{#- another -#}",
  // Filters: lists.
  "{{ items|length }}|{{ items|first }}|{{ items|last }}|{{ items|list }}|{{ items|reverse }}|{{ items|sort }}|{{ words|sort }}|{{ words|sort(true) }}",
  "{{ words|sort(case_sensitive=true) }}|{{ users|sort(attribute='age')|map(attribute='name')|join(',') }}|{{ users|sort(attribute='name', reverse=true)|map(attribute='name')|list }}",
  "{{ items|join }}|{{ items|join(', ') }}|{{ mixed|join('-') }}|{{ words|join(separator='+') }}|{{ s|join('.') }}",
  "{{ [1, 2, 1, '1', 2.0]|unique }}|{{ items|string }}|{{ mixed|tojson }}|{{ empty|tojson }}",
  "{{ users|selectattr('admin')|map(attribute='name')|join }}|{{ users|rejectattr('admin')|map(attribute='name')|join }}|{{ users|selectattr('name', 'equalto', 'Bob')|list|length }}",
  "{{ users|selectattr('nick', 'defined')|map(attribute='name')|join }}|{{ users|rejectattr('nick', 'undefined')|length }}|{{ users|map(attribute='nick', default='?')|join }}",
  "{{ users|map(attribute='tags.1')|list }}|{{ users|map(attribute='missing')|list }}",
  "{{ messages|selectattr('role', 'eq', 'user')|map(attribute='content')|first }}",
  // Filters: strings.
  "{{ s|length }}|{{ u|length }}|{{ s|upper }}|{{ s|lower }}|{{ 'hello wORLD_x y2z'|title }}|{{ 'hELLO'|capitalize }}|{{ u|upper }}|{{ u|lower }}",
  "[{{ padded|trim }}]|{{ lines|indent }}|{{ lines|indent(2) }}|{{ lines|indent(2, true) }}|{{ lines|indent('> ', first=true, blank=true) }}",
  "{{ s|replace('o', '0') }}|{{ s|replace('l', 'L', 2) }}|{{ s|replace('', '-') }}|{{ s|replace('l', '', count=1) }}",
  "{{ '42abc'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ ' 3.5e2z'|float }}|{{ 'nan'|float }}|{{ f|int }}|{{ -2.7|int }}|{{ n|float }}|{{ yes|int }}|{{ no|float }}",
  "{{ s|string }}|{{ n|string }}|{{ f|string }}|{{ whole|string }}|{{ yes|string }}|{{ neg|abs }}|{{ -2.5|abs }}|{{ yes|bool }}",
  "{{ s|safe }}|{{ s|tojson }}|{{ u|tojson }}|{{ 'quote\"\\n'|tojson }}|{{ undefined_name|tojson }}|{{ nothing|tojson }}|{{ f|tojson }}|{{ whole|tojson }}",
  "{{ d|tojson }}|{{ d|tojson(indent=2) }}|{{ users|tojson(indent=4) }}|{{ u|tojson(ensure_ascii=true) }}|{{ {'b': 1, 'a': 2}|tojson(sort_keys=true) }}",
  "{{ items|tojson(separators=(',', ':')) }}|{{ d|tojson(indent=1, separators=(', ', ' = ')) }}|{{ {'e': [], 'o': {}}|tojson(indent=2) }}",
  // Filters: mappings.
  "{{ d|length }}|{{ d|items|list }}|{{ d|dictsort }}|{{ d|dictsort(reverse=true) }}|{{ {'b': 2, 'A': 1, 'a': 3}|dictsort }}|{{ {'b': 2, 'a': 1}|dictsort(by='value') }}",
  "{{ d.get('a') }}|{{ d.get('zz') }}|{{ d.get('zz', 'dflt') }}|{{ d.keys() }}|{{ d.values()|length }}|{{ d|keys }}",
  "{{ undefined_name|default('dflt') }}|{{ nothing|default('dflt') }}|{{ ''|default('dflt', true) }}|{{ s|default('dflt') }}|{{ empty|default('e', boolean=true) }}",
  // String methods.
  "{{ s.upper() }}|{{ s.lower() }}|{{ padded.strip() }}|[{{ padded.lstrip() }}]|[{{ padded.rstrip() }}]|{{ '\\nx\\n'.strip('\\n') }}|{{ s.title() }}|{{ s.capitalize() }}",
  "{{ s.startswith('He') }}{{ s.startswith(('x', 'Hel')) }}{{ s.endswith('ld') }}{{ s.endswith(['no']) }}",
  "{{ text.split(',') }}|{{ text.split(',', 1) }}|{{ '  a  b c '.split() }}|{{ '  a  b c '.split(none, 1) }}|{{ s.split('o')[-1] }}",
  "{{ s.replace('l', 'L') }}|{{ s.replace('l', 'L', 1) }}|{{ u.replace('ß', 'ss') }}",
  // Tests.
  "{{ n is odd }}{{ n is even }}{{ n is number }}{{ f is number }}{{ n is integer }}{{ f is integer }}{{ s is string }}{{ n is string }}",
  "{{ undefined_name is defined }}{{ undefined_name is undefined }}{{ nothing is none }}{{ nothing is defined }}{{ yes is boolean }}{{ yes is true }}{{ no is false }}{{ n is true }}",
  "{{ items is iterable }}{{ s is iterable }}{{ d is iterable }}{{ d is mapping }}{{ users[0] is mapping }}{{ items is sequence }}{{ d is sequence }}{{ s is sequence }}{{ n is sequence }}",
  "{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'ABC' is upper }}{{ n is lower }}{{ range is callable }}{{ s is callable }}{{ s is not string }}{{ n is not none }}",
  // Built-in functions.
  "{{ range(3) }}|{{ range(1, 4) }}|{{ range(3)|length }}|{{ namespace(a=1).a }}",
  "{% if strftime_now is defined %}{{ strftime_now('%Y')|length }}{% endif %}",
  // Errors the reference raises.
  "{{ raise_exception('custom failure: ' ~ n) }}",
  "before {{ raise_exception('stop here') }} after",
  "{% for m in messages %}{% if m.role == 'assistant' %}{{ raise_exception('no assistants') }}{% endif %}{% endfor %}",
  "{{ raise_exception() }}",
  "{{ s|nosuchfilter }}",
  "{{ items|first(1) }}",
  "{{ none_here + 1 }}",
  "{{ 'a' < 'b' }}",
  "{{ nothing ~ 'x' }}",
  "{% for x in n %}{% endfor %}",
  "{{ (1, 2) }}",
  "{{ (1, 2)|tojson }}",
  "{{ n is divisibleby }}",
  "{% set x.y = 1 %}",
  "{% break %}",
  "{% if x %}unclosed",
  "{{ 'unterminated }}",
  "{{ ) }}",
  "{% nosuchstatement %}",
  "{{ items|sort(attribute='x') }}",
  "{{ mixed|sort }}",
  "{{ empty|first }}",
  "{% macro m() %}{% endmacro %}{{ m(1) }}",
  "{% macro m() %}{% endmacro %}{{ m(a=1) }}",
];

// Conversations for the templates that read `messages`.
const EXTRA_CASES = [
  {
    template:
      "{%- for m in messages %}<|{{ m.role }}|>{{ m.content|trim }}{% if not loop.last %}\n{% endif %}{% endfor %}" +
      "{% if add_generation_prompt %}<|assistant|>{% endif %}",
    variables: { messages: [{ role: "user", content: " hi " }, { role: "assistant", content: "yo" }], add_generation_prompt: true },
  },
  { template: "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", variables: { bos_token: "<s>", eos_token: "</s>", messages: [{ role: "user", content: "x" }] } },
  { template: "{{ messages|tojson }}", variables: { messages: [{ role: "user", content: "q\u00e9\"", extra: { b: 1, a: [1.5, 2] } }] } },
  { template: "{{ true }}", variables: { true: 1 } },
  { template: "{{ big }}|{{ big|tojson }}|{{ tiny }}|{{ neg0 }}", variables: { big: 1e21, tiny: 1.5e-7, neg0: -0.5 } },
];

function cases() {
  return [...TEMPLATES.map((template) => ({ template, variables: VARIABLES })), ...EXTRA_CASES];
}

module.exports = { cases };
