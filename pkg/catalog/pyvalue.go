package catalog

import (
	"math"
	"strconv"
)

// PyValue is a Python literal as Barman writes them with repr() into
// backup.info: None, bool, int, float, str, list, tuple and dict. The set of
// implementations is closed; a nil PyValue stands for None.
type PyValue interface {
	appendRepr(b []byte) []byte
}

// Python literal types. PyDict keeps the insertion order of its items, as
// Python dicts do.
type (
	PyNone  struct{}
	PyBool  bool
	PyInt   int64
	PyFloat float64
	PyStr   string
	PyList  []PyValue
	PyTuple []PyValue
	PyDict  []PyItem
)

// PyItem is one key: value pair of a PyDict.
type PyItem struct {
	Key, Value PyValue
}

// PyRepr returns the text CPython's repr() gives for v.
func PyRepr(v PyValue) string {
	return string(appendRepr(nil, v))
}

func appendRepr(b []byte, v PyValue) []byte {
	if v == nil {
		return PyNone{}.appendRepr(b)
	}
	return v.appendRepr(b)
}

func (PyNone) appendRepr(b []byte) []byte { return append(b, "None"...) }

func (v PyBool) appendRepr(b []byte) []byte {
	if v {
		return append(b, "True"...)
	}
	return append(b, "False"...)
}

func (v PyInt) appendRepr(b []byte) []byte { return strconv.AppendInt(b, int64(v), 10) }

func (v PyFloat) appendRepr(b []byte) []byte { return append(b, reprFloat(float64(v))...) }

func (v PyStr) appendRepr(b []byte) []byte { return appendReprString(b, string(v)) }

func (v PyList) appendRepr(b []byte) []byte { return appendSeq(b, '[', v, ']') }

func (v PyTuple) appendRepr(b []byte) []byte {
	if len(v) == 1 {
		return append(appendRepr(append(b, '('), v[0]), ",)"...)
	}
	return appendSeq(b, '(', v, ')')
}

func (v PyDict) appendRepr(b []byte) []byte {
	b = append(b, '{')
	for i, it := range v {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(appendRepr(b, it.Key), ": "...)
		b = appendRepr(b, it.Value)
	}
	return append(b, '}')
}

func appendSeq(b []byte, open byte, items []PyValue, close byte) []byte {
	b = append(b, open)
	for i, it := range items {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = appendRepr(b, it)
	}
	return append(b, close)
}

// Get returns the value of the first item whose key is the string key.
func (v PyDict) Get(key string) (PyValue, bool) {
	for _, it := range v {
		if s, ok := it.Key.(PyStr); ok && string(s) == key {
			return it.Value, true
		}
	}
	return nil, false
}

// pyEqual reports whether a == b in Python for the types a literal can have
// as a dict key (numbers compare across bool, int and float).
func pyEqual(a, b PyValue) bool {
	if x, ok := pyNumber(a); ok {
		y, ok := pyNumber(b)
		return ok && x == y
	}
	switch a := a.(type) {
	case PyTuple:
		b, ok := b.(PyTuple)
		return ok && len(a) == len(b) && allEqual(a, b)
	case nil, PyNone:
		_, ok := b.(PyNone)
		return ok || b == nil
	}
	return a == b
}

func allEqual(a, b []PyValue) bool {
	for i := range a {
		if !pyEqual(a[i], b[i]) {
			return false
		}
	}
	return true
}

// pyNumber returns bools, ints and floats as a float64 for comparisons.
func pyNumber(v PyValue) (float64, bool) {
	switch v := v.(type) {
	case PyBool:
		if v {
			return 1, true
		}
		return 0, true
	case PyInt:
		return float64(v), true
	case PyFloat:
		return float64(v), !math.IsNaN(float64(v))
	}
	return 0, false
}
