"""Writes pyjson.json: what Python's json module makes of JSON texts.

For each input text s, "out" is json.dumps(json.loads(s), ensure_ascii=False),
the way mistral-common re-writes the JSON of tool definitions, tool call
arguments and tool results; "error" is "JSONDecodeError" when json.loads
rejects s as not JSON, "ValueError" when it fails otherwise (an integer of
more than 4300 digits), "unencodable" when the result holds a lone surrogate,
which no UTF-8 text (and so no tokenizer input) can hold.

Run from this directory: python3 pyjson.py > pyjson.json
"""

import json
import random
import struct
import sys

cases = [
    # numbers
    "0", "-0", "1", "-1", "10", "123456789012345678901234567890", "-98765432109876543210",
    "1.0", "1.50", "-0.0", "0.0", "1e5", "1E5", "1e+5", "1e-5", "1.5e300", "-2.5E-300",
    "0.1", "0.0001", "0.00001", "1e15", "1e16", "1e17", "123456789012345678", "1234567890123456.0",
    "12345678901234567.0", "0.1e1", "100e-2", "5e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
    "1e308", "1e309", "-1e400", "1e-400", "-1e-400", "3.141592653589793238462643383279",
    "0.30000000000000004", "9007199254740993", "9007199254740993.0", "1e22", "1e23", "4.35",
    "NaN", "Infinity", "-Infinity",
    "1" * 4300, "-" + "9" * 4300, "1" * 4301,
    # literals
    "true", "false", "null",
    # strings
    '""', '"a"', '"\\u00e9t\\u00e9"', '"été"', '"\\n\\r\\t\\b\\f\\/\\\\\\""', '"\\u0000\\u001f\\u007f\\u0080"',
    '"\\u2028\\u2029"', '"\\ud83e\\udd99"', '"🦙"', '"\\uD83E\\uDD99"', '"\\ud800"', '"\\udc00"',
    '"\\ud800\\ud800"', '"a\\ud83ex"', '"\\ud83e\\u0041"', '"tab\there"', '"\x7f"', '"<\\/script>"',
    '"\u00a0\u3000"', '"\\u000b"',
    # arrays and objects
    "[]", "{}", "[1,2,3]", '[1, "a", null, true, false, 1.0, [], {}]', '{"a":1,"b":[1,2]}',
    '{"b": 1, "a": 2}', '{"a": 1, "b": 2, "a": 3}', '{"a": {"x": 1}, "a": [2]}', '{"": ""}',
    '{"\\u0061": 1, "a": 2}', '[[[[[]]]]]', '{"a":{"b":{"c":{}}}}',
    ' \t\n\r[ 1 , 2 ]\r\n\t ', '{ "k" : "v" }', '[\n  1,\n  2\n]',
    '{"location":"Paris, France","format":"celsius","num_days":5}',
    '{"type": "object", "properties": {"n": {"type": "integer", "minimum": 1e2, "maximum": 1E3}}}',
    # not JSON for Python
    "", " ", "[1,]", '{"a":1,}', "[1 2]", '{"a" 1}', '{a: 1}', "'a'", '"a', '"\\x41"', '"\\u12"',
    '"\\u12g4"', '"\\U0041"', '"a\tb"', '"a\nb"', '"\x00"', "01", "+1", ".5", "1.", "1.e5", "1e", "1e+",
    "-", "--1", "- 1", "0x10", "nan", "NaNa", "-NaN", "infinity", "+Infinity", "tru", "nul", "True",
    "1 2", "[] []", "\ufeff1", "[", "]", "{", '{"a"', '{"a":', "[1", "[,1]", "{,}", '{"a":1 "b":2}',
    "hello", "22 degrees", "\u00a01", "1\u00a0",
]

rng = random.Random(17)
for _ in range(1500):
    bits = rng.getrandbits(64)
    (f,) = struct.unpack("<d", struct.pack("<Q", bits))
    if f != f or f in (float("inf"), float("-inf")):
        continue
    cases.append(rng.choice(["%.17g", "%.17e", "%r", "%.3e", "%.20f"]) % f if rng.random() < 0.9 else repr(f))
for _ in range(300):
    f = rng.uniform(-1, 1) * 10 ** rng.randint(-20, 25)
    cases.append(rng.choice(["%.17g", "%r", "%.6g", "%.10f"]) % f)
for _ in range(200):
    cases.append(str(rng.randint(-(10**30), 10**30)))

out = []
for s in cases:
    case = {"in": s}
    try:
        text = json.dumps(json.loads(s), ensure_ascii=False)
        text.encode("utf-8")
        case["out"] = text
    except json.JSONDecodeError:
        case["error"] = "JSONDecodeError"
    except UnicodeEncodeError:
        case["error"] = "unencodable"
    except ValueError:
        case["error"] = "ValueError"
    out.append(case)

json.dump({"python": sys.version.split()[0], "cases": out}, sys.stdout, ensure_ascii=False, indent=0)
sys.stdout.write("\n")
