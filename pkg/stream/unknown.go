package stream

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Unknown is a record whose type this package does not know: it came from a
// newer stage. Raw is the whole line, compacted. Writing an Unknown writes
// Raw back unchanged, so a pass-through stage can forward it; other stages
// skip it.
type Unknown struct {
	Name string          // the record's "type"
	V    int             // the record's "v"
	Raw  json.RawMessage // the record, a JSON object
}

// Type returns the record's "type".
func (u *Unknown) Type() string { return u.Name }
func (*Unknown) record()        {}

func (u *Unknown) appendTo(dst []byte) ([]byte, error) {
	if len(u.Raw) == 0 {
		name, err := json.Marshal(u.Name)
		if err != nil {
			return dst, err
		}
		dst = append(append(dst, `{"type":`...), name...)
		dst = append(dst, `,"v":`...)
		return append(strconv.AppendInt(dst, int64(u.V), 10), '}'), nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, u.Raw); err != nil {
		return dst, err
	}
	if buf.Bytes()[0] != '{' {
		return dst, errors.New("unknown record is not a JSON object")
	}
	return append(dst, buf.Bytes()...), nil
}
