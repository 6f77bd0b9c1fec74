package stream

import (
	"bufio"
	"bytes"
	"reflect"
	"strings"
	"testing"
)

var oddNames = []string{"plain", "caf\xe9", "\xff\xfe", "with space", "tab\there", "cr\r", "ünïcode", "-dash"}

func TestPathsNULRoundTrip(t *testing.T) {
	names := append(oddNames, "new\nline")
	var buf bytes.Buffer
	if err := WritePathsNUL(&buf, names); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPathsNUL(&buf)
	if err != nil || !reflect.DeepEqual(got, names) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestPathsLinesRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := WritePathsLines(&buf, oddNames); err != nil {
		t.Fatal(err)
	}
	got, err := ReadPathsLines(&buf)
	if err != nil || !reflect.DeepEqual(got, oddNames) {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestPathsReadLeniency(t *testing.T) {
	got, _ := ReadPathsNUL(strings.NewReader("a\x00\x00b\x00c"))
	if !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("NUL: %q", got)
	}
	got, _ = ReadPathsLines(strings.NewReader("a\n\nb\nc"))
	if !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("lines: %q", got)
	}
}

func TestPathsWriteRefuses(t *testing.T) {
	for _, c := range []struct {
		nul   bool
		names []string
	}{
		{false, []string{"ok", "new\nline"}}, {true, []string{"ok", "a\x00b"}},
		{true, []string{""}}, {false, []string{"ok", ""}},
	} {
		var buf bytes.Buffer
		write := WritePathsLines
		if c.nul {
			write = WritePathsNUL
		}
		if err := write(&buf, c.names); err == nil || buf.Len() != 0 {
			t.Errorf("%q: err %v, wrote %q", c.names, err, buf.String())
		}
	}
}

func TestScanNULStreams(t *testing.T) {
	sc := bufio.NewScanner(strings.NewReader("x\x00caf\xe9\x00"))
	sc.Split(ScanNUL)
	var got []string
	for sc.Scan() {
		got = append(got, sc.Text())
	}
	if !reflect.DeepEqual(got, []string{"x", "caf\xe9"}) {
		t.Errorf("%q", got)
	}
}
