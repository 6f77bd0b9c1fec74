package catalog

import (
	"fmt"
	"strconv"

	"github.com/gobarman/barman/pkg/walname"
)

// checkField checks the raw value (not "None") of a known key, as Barman's
// loaders would. Values of unknown keys are not checked.
func checkField(key, value string) error {
	var err error
	switch key {
	case KeyVersion, KeyBeginOffset, KeyEndOffset, KeySize, KeyDeduplicatedSize,
		KeyClusterSize, KeyXlogSegmentSize:
		_, err = strconv.ParseInt(value, 10, 64)
	case KeyTimeline:
		_, err = strconv.ParseUint(value, 10, 32)
	case KeyBeginTime, KeyEndTime:
		_, err = parseTime(value)
	case KeyBeginXlog, KeyEndXlog:
		_, err = walname.ParseLSN(value)
	case KeyTablespaces:
		_, err = decodeTablespaces(value)
	case KeyIncludedFiles:
		_, err = decodeStrings(value)
	case KeyBackupLabel:
		_, err = decodeLiteral[PyStr](value)
	case KeyCopyStats, KeySnapshotsInfo:
		_, err = decodeLiteral[PyDict](value)
	}
	if err != nil {
		return fmt.Errorf("invalid %s %q: %w", key, value, err)
	}
	return nil
}

// decodeLiteral parses a Python literal that must be of type T.
func decodeLiteral[T PyValue](value string) (T, error) {
	var zero T
	v, err := ParsePy(value)
	if err != nil {
		return zero, err
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("want a %s literal", pyTypeName(zero))
	}
	return t, nil
}

func pyTypeName(v PyValue) string {
	switch v.(type) {
	case PyStr:
		return "str"
	case PyDict:
		return "dict"
	}
	return "list"
}

// decodeSeq parses a list or tuple literal.
func decodeSeq(value string) ([]PyValue, error) {
	v, err := ParsePy(value)
	if err != nil {
		return nil, err
	}
	switch v := v.(type) {
	case PyList:
		return v, nil
	case PyTuple:
		return v, nil
	}
	return nil, fmt.Errorf("want a list literal")
}

// decodeStrings parses a list of str literal (included_files).
func decodeStrings(value string) ([]string, error) {
	items, err := decodeSeq(value)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(PyStr)
		if !ok {
			return nil, fmt.Errorf("want a list of str, found %s", PyRepr(it))
		}
		out = append(out, string(s))
	}
	return out, nil
}
