package catalog

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseXlogDBVariants(t *testing.T) {
	in := "000000010000000000000006\t16463\t1795620529.4823954\tgzip\n" +
		"000000010000000000000007 16392  1795620530.5624993\n" +
		"00000002.history\t52\t1795620544.64768\tNone\n" +
		"000000010000000000000008\t1449825\t1795620533.377873\tzstd\tgpg\n" +
		"000000010000000000000009\t283876\t1.7956126085739305e9\tgzip\tNone"
	entries, err := ParseXlogDB(strings.NewReader(in), "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []WALEntry{
		{Name: "000000010000000000000006", Size: 16463, Time: 1795620529.4823954, TimeText: "1795620529.4823954", Compression: "gzip", Fields: 4},
		{Name: "000000010000000000000007", Size: 16392, Time: 1795620530.5624993, TimeText: "1795620530.5624993", Fields: 3},
		{Name: "00000002.history", Size: 52, Time: 1795620544.64768, TimeText: "1795620544.64768", Fields: 4},
		{Name: "000000010000000000000008", Size: 1449825, Time: 1795620533.377873, TimeText: "1795620533.377873", Compression: "zstd", Encryption: "gpg", Fields: 5},
		{Name: "000000010000000000000009", Size: 283876, Time: 1795612608.5739305, TimeText: "1.7956126085739305e9", Compression: "gzip", Fields: 5},
	}
	if !reflect.DeepEqual(entries, want) {
		t.Fatalf("got %+v\nwant %+v", entries, want)
	}
	wantOut := "000000010000000000000006\t16463\t1795620529.4823954\tgzip\n" +
		"000000010000000000000007\t16392\t1795620530.5624993\n" +
		"00000002.history\t52\t1795620544.64768\tNone\n" +
		"000000010000000000000008\t1449825\t1795620533.377873\tzstd\tgpg\n" +
		"000000010000000000000009\t283876\t1.7956126085739305e9\tgzip\tNone\n"
	if got := string(FormatXlogDB(entries)); got != wantOut {
		t.Errorf("FormatXlogDB:\n%s", got)
	}
}

func TestWALEntryLine(t *testing.T) {
	mtime := time.Unix(1795620544, 647680000)
	tests := []struct {
		e    WALEntry
		want string
	}{
		{WALEntry{Name: "00000002.history", Size: 52, Time: MtimeSeconds(mtime), Compression: "gzip"}, "00000002.history\t52\t1795620544.64768\tgzip\n"},
		{WALEntry{Name: "a", Size: 1, Time: 1}, "a\t1\t1.0\tNone\n"},
		{WALEntry{Name: "a", Size: 1, Time: 1e16, Encryption: "gpg"}, "a\t1\t1e+16\tNone\tgpg\n"},
		{WALEntry{Name: "a", Size: 1, Time: 2, TimeText: "1.0", Fields: 3, Compression: "gzip"}, "a\t1\t2.0\tgzip\n"},
		{WALEntry{Name: "a", Size: 1, Time: 1, TimeText: "1", Fields: 5}, "a\t1\t1\tNone\tNone\n"},
	}
	for _, tt := range tests {
		if got := tt.e.Line(); got != tt.want {
			t.Errorf("Line(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}

func TestParseXlogDBErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\t1\t1.0\n\n", "x:2: want 3 to 5 fields (name size time [compression [encryption]]), found 0"},
		{"a 1\n", "x:1: want 3 to 5 fields"},
		{"a 1 2 3 4 5\n", "found 6"},
		{"a\t1\t1.0\nb\tx\t1.0\n", `x:2: invalid size "x"`},
		{"a\t-1\t1.0\n", `invalid size "-1"`},
		{"a\t1\tnan\n", `invalid time "nan"`},
		{"a\t1\tinf\n", `invalid time "inf"`},
		{"a\t1\t1e999\n", `invalid time "1e999"`},
		{"a\t1\t0x1p3\n", `invalid time "0x1p3"`},
		{"a\t1\t1_0\n", `invalid time "1_0"`},
	}
	for _, tt := range tests {
		_, err := ParseXlogDB(strings.NewReader(tt.in), "x")
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseXlogDB(%q) = %v, want %q", tt.in, err, tt.want)
		}
	}
}

func TestXlogDBFiles(t *testing.T) {
	p := filepath.Join(t.TempDir(), "xlog.db")
	e1 := WALEntry{Name: "000000010000000000000001", Size: 10, Time: 1.5, Compression: "gzip"}
	e2 := WALEntry{Name: "000000010000000000000002", Size: 20, Time: 2.5}
	if err := AppendXlogDB(p, e1); err != nil {
		t.Fatal(err)
	}
	if err := AppendXlogDB(p, e2); err != nil {
		t.Fatal(err)
	}
	got, err := ReadXlogDB(p)
	if err != nil || len(got) != 2 || got[1].Name != e2.Name || got[0].Compression != "gzip" {
		t.Fatalf("read back %+v, %v", got, err)
	}
	if err := WriteXlogDB(p, got[1:]); err != nil {
		t.Fatal(err)
	}
	if got, _ := ReadXlogDB(p); len(got) != 1 || got[0].Line() != "000000010000000000000002\t20\t2.5\tNone\n" {
		t.Errorf("after rewrite: %+v", got)
	}
}
