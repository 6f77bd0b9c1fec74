package cloud

import (
	"io"
	"maps"
	"testing"
)

// TestWALArchiveArgs: Barman's --tags KEY,VALUE ... takes the pairs that
// follow it and leaves the positional arguments; compressions exclude
// each other.
func TestWALArchiveArgs(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		ok      bool
		tags    map[string]string
		history map[string]string
		algo    string
		path    string
	}{
		{[]string{"--tags", "a,b", `c,"d,e"`, "s3://b/p", "srv", "pg_wal/X"}, true, map[string]string{"a": "b", "c": "d,e"}, nil, "none", "pg_wal/X"},
		{[]string{"s3://b/p", "srv", "X", "-z", "--history-tags", "h,1"}, true, nil, map[string]string{"h": "1"}, "gzip", "X"},
		{[]string{"--tags=a,b", "--snappy", "s3://b/p", "srv"}, true, map[string]string{"a": "b"}, nil, "snappy", ""},
		{[]string{"--zstd", "s3://b/p", "srv", "X"}, true, nil, nil, "zstd", "X"},
		{[]string{"--tags", "nocomma", "s3://b/p", "srv"}, false, nil, nil, "", ""},
		{[]string{"--tags", "a,b,c", "s3://b/p", "srv"}, false, nil, nil, "", ""},
		{[]string{"-z", "-j", "s3://b/p", "srv"}, false, nil, nil, "", ""},
		{[]string{"-e", "DES", "s3://b/p", "srv"}, false, nil, nil, "", ""},
	} {
		c := &walArchive{}
		code, ok := parse("barman-cloud-wal-archive", "", c, tc.args, io.Discard, io.Discard)
		if ok != tc.ok {
			t.Errorf("%q: parsed %v (exit %d), want %v", tc.args, ok, code, tc.ok)
			continue
		}
		if !ok {
			if code != ExitCLI {
				t.Errorf("%q: exit %d, want %d", tc.args, code, ExitCLI)
			}
			continue
		}
		if !maps.Equal(c.Tags.Map(), tc.tags) || !maps.Equal(c.HistoryTags.Map(), tc.history) ||
			c.compression() != tc.algo || c.WALPath != tc.path || c.URL != "s3://b/p" || c.Server != "srv" {
			t.Errorf("%q: tags %v, history tags %v, compression %s, url %s, server %s, path %q",
				tc.args, c.Tags.Map(), c.HistoryTags.Map(), c.compression(), c.URL, c.Server, c.WALPath)
		}
	}
}
