package stream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// VersionError is the reason a record with an unsupported "v" is refused.
type VersionError struct {
	V int // the record's "v"
}

func (e *VersionError) Error() string {
	return fmt.Sprintf("record version %d not supported (this reader knows version %d)", e.V, Version)
}

// Unmarshal decodes one line (with or without its newline) into a record:
// a pointer to one of the record structs, or *Unknown for a type this
// package does not know. Unknown keys are ignored. A missing "v" reads as
// version 1; any other "v" than 1 is a *VersionError.
func Unmarshal(line []byte) (Record, error) {
	if t := trimSpace(line); len(t) == 0 || t[0] != '{' {
		return nil, errors.New("not a JSON object")
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(line, &members); err != nil {
		return nil, jsonError(err)
	}
	typ, v, err := header(members)
	if err != nil {
		return nil, err
	}
	newRec, ok := registry[typ]
	if !ok {
		var raw bytes.Buffer
		_ = json.Compact(&raw, line) // valid: it was just decoded
		return &Unknown{Name: typ, V: v, Raw: raw.Bytes()}, nil
	}
	rec := newRec()
	if err := json.Unmarshal(line, rec); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, jsonError(err))
	}
	if err := finish(reflect.ValueOf(rec).Elem(), members); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	return rec, nil
}

// header reads "type" and "v".
func header(members map[string]json.RawMessage) (typ string, v int, err error) {
	raw, ok := members["type"]
	if !ok || string(raw) == "null" {
		return "", 0, errors.New(`record has no "type"`)
	}
	if json.Unmarshal(raw, &typ) != nil || typ == "" {
		return "", 0, fmt.Errorf(`"type" must be a non-empty string, not %s`, raw)
	}
	v = Version
	if raw, ok := members["v"]; ok && string(raw) != "null" {
		if json.Unmarshal(raw, &v) != nil {
			return "", 0, fmt.Errorf(`"v" must be an integer, not %s`, raw)
		}
	}
	if v != Version {
		return "", 0, &VersionError{V: v}
	}
	return typ, v, nil
}

// finish completes a decoded record v: file names from their "_b64"
// twins, times in UTC (and writable again), empty maps as nil.
func finish(v reflect.Value, members map[string]json.RawMessage) error {
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		switch f.kind {
		case fieldBytes:
			raw, ok := members[twinKey(f.key)]
			if !ok || string(raw) == "null" {
				continue
			}
			b, err := decodeTwin(raw)
			if err != nil {
				return fmt.Errorf("%s: %w", twinKey(f.key), err)
			}
			fv.SetString(string(b))
		case fieldTime:
			t := fv.Interface().(time.Time).UTC()
			if t.Year() < 0 || t.Year() > 9999 {
				return fmt.Errorf("%s: year outside 0000-9999 in UTC", f.key)
			}
			fv.Set(reflect.ValueOf(t))
		case fieldMap:
			if fv.Len() == 0 {
				fv.SetZero()
			}
		}
	}
	return nil
}

func decodeTwin(raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, errors.New("must be a base64 string")
	}
	return base64.StdEncoding.DecodeString(s)
}

// jsonError rewords encoding/json errors for people who never saw the Go
// structs.
func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn) && syn.Error() == "unexpected end of JSON input":
		return errors.New("invalid JSON: truncated record")
	case errors.As(err, &syn):
		return fmt.Errorf("invalid JSON at column %d: %v", syn.Offset, err)
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("%s: JSON %s where %s is expected", typ.Field, typ.Value, typ.Type)
	case errors.As(err, &typ):
		return fmt.Errorf("JSON %s where %s is expected", typ.Value, typ.Type)
	}
	return err
}

// trimSpace trims JSON white space (not Unicode spaces, which are errors).
func trimSpace(b []byte) []byte { return bytes.Trim(b, " \t\r\n") }
