package catalog

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// Expected texts below come from CPython 3.11 repr().
func TestReprString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `''`},
		{"a", `'a'`},
		{"it's", `"it's"`},
		{`say "hi"`, `'say "hi"'`},
		{`both ' and "`, `'both \' and "'`},
		{`back\slash`, `'back\\slash'`},
		{"tab\there", `'tab\there'`},
		{"nl\nx", `'nl\nx'`},
		{"cr\rx", `'cr\rx'`},
		{"\x00\x01\x1f\x7f", `'\x00\x01\x1f\x7f'`},
		{"\u0080\u009f\u00a0\u00ad", `'\x80\x9f\xa0\xad'`},
		{"é ü ñ", `'é ü ñ'`},
		{"日本語", `'日本語'`},
		{"\u2028\u200b\ufeff", `'\u2028\u200b\ufeff'`},
		{"\U0001F600", "'\U0001F600'"},
		{"\U000E0001", `'\U000e0001'`},
		{"\u00a0\u3000\u2000", `'\xa0\u3000\u2000'`},
		{"\ue000", `'\ue000'`},
		{`'"`, `'\'"'`},
		{`\'`, `"\\'"`},
	}
	for _, tt := range tests {
		if got := PyRepr(PyStr(tt.in)); got != tt.want {
			t.Errorf("repr(%q) = %s, want %s", tt.in, got, tt.want)
		}
		back, err := ParsePy(tt.want)
		if err != nil || back != PyStr(tt.in) {
			t.Errorf("ParsePy(%s) = %#v, %v", tt.want, back, err)
		}
	}
}

func TestReprFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {1, "1.0"}, {1.5, "1.5"}, {0.1, "0.1"},
		{1.188248, "1.188248"}, {208.448632, "208.448632"}, {1795620544.64768, "1795620544.64768"},
		{1795620529.4823954, "1795620529.4823954"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"},
		{1234567890123456, "1234567890123456.0"}, {12345678901234567, "1.2345678901234568e+16"},
		{0.0001, "0.0001"}, {0.00001, "1e-05"}, {1.5e-05, "1.5e-05"}, {1e-7, "1e-07"},
		{123e300, "1.23e+302"}, {5e-324, "5e-324"}, {math.MaxFloat64, "1.7976931348623157e+308"},
		{1e22, "1e+22"}, {1e100, "1e+100"}, {2.5e-10, "2.5e-10"}, {100, "100.0"}, {0.3, "0.3"},
		{2.0 / 3, "0.6666666666666666"}, {-1.25e-5, "-1.25e-05"}, {9999999999999998, "9999999999999998.0"},
		{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := PyRepr(PyFloat(tt.in)); got != tt.want {
			t.Errorf("repr(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestParsePy(t *testing.T) {
	tests := []struct {
		in   string
		want PyValue
		repr string
	}{
		{"None", PyNone{}, "None"},
		{" True", PyBool(true), "True"},
		{"False\n", PyBool(false), "False"},
		{"-  5", PyInt(-5), "-5"},
		{"+7", PyInt(7), "7"},
		{"000", PyInt(0), "0"},
		{"-9223372036854775808", PyInt(math.MinInt64), "-9223372036854775808"},
		{"1.", PyFloat(1), "1.0"},
		{".5", PyFloat(0.5), "0.5"},
		{"1E3", PyFloat(1000), "1000.0"},
		{"1e-400", PyFloat(0), "0.0"},
		{`'a' "b"  'c'`, PyStr("abc"), "'abc'"},
		{`'\101\x41\u0041\U00000041\q\
'`, PyStr(`AAAA\q`), `'AAAA\\q'`},
		{"[1,2,]", PyList{PyInt(1), PyInt(2)}, "[1, 2]"},
		{"[]", PyList{}, "[]"},
		{"( 1 , )", PyTuple{PyInt(1)}, "(1,)"},
		{"(1)", PyInt(1), "1"},
		{"()", PyTuple{}, "()"},
		{"((1,))", PyTuple{PyInt(1)}, "(1,)"},
		{"{}", PyDict{}, "{}"},
		{"{'a': 1, 'b': 2, 'a': 3}", PyDict{{PyStr("a"), PyInt(3)}, {PyStr("b"), PyInt(2)}}, "{'a': 3, 'b': 2}"},
		{"{1: 'a', True: 'b', 1.0: 'c', (1,): None}", PyDict{{PyInt(1), PyStr("c")}, {PyTuple{PyInt(1)}, PyNone{}}}, "{1: 'c', (1,): None}"},
		{"[('tbs1', 16384, '/srv/tblspc/tbs1')]", PyList{PyTuple{PyStr("tbs1"), PyInt(16384), PyStr("/srv/tblspc/tbs1")}},
			"[('tbs1', 16384, '/srv/tblspc/tbs1')]"},
		{"{'a': [1, (2,), ()], 'b': None, 'c': True, 'd': {}, 'e': (1, 'x')}", nil,
			"{'a': [1, (2,), ()], 'b': None, 'c': True, 'd': {}, 'e': (1, 'x')}"},
	}
	for _, tt := range tests {
		got, err := ParsePy(tt.in)
		if err != nil {
			t.Errorf("ParsePy(%q): %v", tt.in, err)
			continue
		}
		if tt.want != nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePy(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if r := PyRepr(got); r != tt.repr {
			t.Errorf("repr(ParsePy(%q)) = %s, want %s", tt.in, r, tt.repr)
		}
	}
}

func TestParsePyErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{"", "missing value"},
		{"none", `unexpected "none"`},
		{"1 2", `unexpected "2" after the value`},
		{"[1 2]", `expected "," or ']'`},
		{"[1,", `missing value`},
		{"[1", `missing ']'`},
		{"{'a' 1}", `expected ":"`},
		{"{[1]: 2}", "not hashable"},
		{"{(1, [2]): 2}", "not hashable"},
		{"01", "leading zeros"},
		{"1j", "invalid number"},
		{"0x10", "invalid number"},
		{"1_000", "invalid number"},
		{"1e", "invalid number"},
		{"1..2", "invalid number"},
		{"--1", "expected a number"},
		{"-", "expected a number"},
		{"9223372036854775808", "out of range"},
		{"1e999", "out of range"},
		{"'abc", "unterminated string"},
		{"'a\nb'", `inside a string`},
		{"'''a'''", "triple-quoted"},
		{`'\x4'`, `truncated \x escape`},
		{`'\ud800'`, "not a valid Unicode scalar value"},
		{`'\U00110000'`, "not a valid Unicode scalar value"},
		{`'\N{DASH}'`, "not supported"},
		{"'\xff'", "not valid UTF-8"},
		{strings.Repeat("[", 200), "nested deeper"},
		{"b'x'", `unexpected "b"`},
	}
	for _, tt := range tests {
		v, err := ParsePy(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ParsePy(%q) = %v, %v; want error containing %q", tt.in, v, err, tt.msg)
		}
	}
}

func TestPyDictGet(t *testing.T) {
	v, _ := ParsePy("{'copy_time': 1.5, 2: 3}")
	d := v.(PyDict)
	if got, ok := d.Get("copy_time"); !ok || got != PyFloat(1.5) {
		t.Errorf("Get(copy_time) = %v, %v", got, ok)
	}
	if _, ok := d.Get("2"); ok {
		t.Error("Get(\"2\") found the int key 2")
	}
	if got := PyRepr(PyList{nil, PyTuple{nil}}); got != "[None, (None,)]" {
		t.Errorf("repr with nil = %s", got)
	}
}
