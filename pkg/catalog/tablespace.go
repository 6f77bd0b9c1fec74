package catalog

import "fmt"

// Tablespace is one entry of backup.info's tablespaces list, written by
// Barman as a (name, oid, location) tuple.
type Tablespace struct {
	Name     string
	OID      uint32
	Location string
}

// decodeTablespaces parses a tablespaces literal:
// [('tbs1', 16384, '/srv/tblspc/tbs1'), ...].
func decodeTablespaces(value string) ([]Tablespace, error) {
	items, err := decodeSeq(value)
	if err != nil {
		return nil, err
	}
	out := make([]Tablespace, 0, len(items))
	for _, it := range items {
		ts, err := tablespaceFromPy(it)
		if err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, nil
}

func tablespaceFromPy(v PyValue) (Tablespace, error) {
	var fields []PyValue
	switch v := v.(type) {
	case PyTuple:
		fields = v
	case PyList:
		fields = v
	}
	bad := fmt.Errorf("want a (name, oid, location) tuple, found %s", PyRepr(v))
	if len(fields) != 3 {
		return Tablespace{}, bad
	}
	name, ok1 := fields[0].(PyStr)
	oid, ok2 := fields[1].(PyInt)
	loc, ok3 := fields[2].(PyStr)
	if !ok1 || !ok2 || !ok3 || oid < 0 || oid > 0xFFFFFFFF {
		return Tablespace{}, bad
	}
	return Tablespace{Name: string(name), OID: uint32(oid), Location: string(loc)}, nil
}

// encodeTablespaces returns the literal Barman writes for ts.
func encodeTablespaces(ts []Tablespace) PyList {
	l := make(PyList, 0, len(ts))
	for _, t := range ts {
		l = append(l, PyTuple{PyStr(t.Name), PyInt(t.OID), PyStr(t.Location)})
	}
	return l
}
