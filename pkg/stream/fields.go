package stream

import (
	"reflect"
	"strings"
	"sync"
	"time"
)

// field is a struct field that needs care beyond encoding/json: a file
// name that may not be UTF-8, a time to keep in UTC, a map to keep nil
// when empty.
type field struct {
	index int
	key   string // JSON key
	kind  fieldKind
}

type fieldKind int

const (
	fieldBytes fieldKind = iota // string tagged stream:"bytes"
	fieldTime                   // time.Time
	fieldMap                    // any map
)

var (
	timeType   = reflect.TypeFor[time.Time]()
	fieldCache sync.Map // reflect.Type → []field
)

// fieldsOf lists the special fields of the record struct type t.
func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		key, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case sf.Tag.Get("stream") == "bytes":
			fs = append(fs, field{i, key, fieldBytes})
		case sf.Type == timeType:
			fs = append(fs, field{i, key, fieldTime})
		case sf.Type.Kind() == reflect.Map:
			fs = append(fs, field{i, key, fieldMap})
		}
	}
	fieldCache.Store(t, fs)
	return fs
}

// twinKey is the key that carries a non-UTF-8 value of key in base64.
func twinKey(key string) string { return key + "_b64" }
