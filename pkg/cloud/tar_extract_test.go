package cloud

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type member struct {
	name, link string
	typ        byte
	data       string
}

func tarOf(t *testing.T, ms ...member) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := &tar.Header{Name: m.name, Linkname: m.link, Typeflag: m.typ, Mode: 0o600, Size: int64(len(m.data))}
		if m.typ != tar.TypeReg {
			h.Size = 0
			h.Mode = 0o700
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if m.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(m.data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf
}

// TestExtractConfined: hostile members never write outside the target:
// "..", absolute names, a symlink out then a file (or directory) through
// it, a hard link to a file outside.
func TestExtractConfined(t *testing.T) {
	for _, tc := range []struct {
		name    string
		members []member
	}{
		{"dotdot", []member{{name: "../outside/f", typ: tar.TypeReg, data: "x"}}},
		{"dotdot inside", []member{{name: "a/../../outside/f", typ: tar.TypeReg, data: "x"}}},
		{"absolute", []member{{name: "OUTSIDE/f", typ: tar.TypeReg, data: "x"}}},
		{"symlink then file", []member{{name: "l", link: "OUTSIDE", typ: tar.TypeSymlink}, {name: "l/f", typ: tar.TypeReg, data: "x"}}},
		{"relative symlink then file", []member{{name: "l", link: "../outside", typ: tar.TypeSymlink}, {name: "l/f", typ: tar.TypeReg, data: "x"}}},
		{"symlink then dir", []member{{name: "l", link: "OUTSIDE", typ: tar.TypeSymlink}, {name: "l/d/", typ: tar.TypeDir}, {name: "l/d/f", typ: tar.TypeReg, data: "x"}}},
		{"symlink file then overwrite", []member{{name: "f", link: "OUTSIDE/f", typ: tar.TypeSymlink}, {name: "f", typ: tar.TypeReg, data: "x"}}},
		{"hard link out", []member{{name: "h", link: "../outside/secret", typ: tar.TypeLink}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			dest, outside := filepath.Join(base, "dest"), filepath.Join(base, "outside")
			for _, d := range []string{dest, outside} {
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
				t.Fatal(err)
			}
			for i := range tc.members {
				tc.members[i].name = strings.ReplaceAll(tc.members[i].name, "OUTSIDE", outside)
				tc.members[i].link = strings.ReplaceAll(tc.members[i].link, "OUTSIDE", outside)
			}
			root, err := os.OpenRoot(dest)
			if err != nil {
				t.Fatal(err)
			}
			defer root.Close()
			err = newExtractor(root, dest).extract(context.Background(), tarOf(t, tc.members...), "obj")
			// A symlink overwritten by a file is fine as long as the file is inside.
			entries, _ := os.ReadDir(outside)
			if len(entries) != 1 {
				t.Fatalf("extraction wrote outside the destination: %v (error %v)", entries, err)
			}
			if err == nil && tc.name != "symlink file then overwrite" {
				t.Fatalf("hostile archive extracted without error")
			}
			if err != nil && !strings.Contains(err.Error(), "obj") {
				t.Errorf("error %q does not name the object", err)
			}
		})
	}
}

// TestExtractParallelDirs: files of a directory whose entry is in another
// archive extract; directory modes are applied at the end.
func TestExtractParallelDirs(t *testing.T) {
	dest := t.TempDir()
	root, err := os.OpenRoot(dest)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	ex := newExtractor(root, dest)
	if err := ex.extract(context.Background(), tarOf(t, member{name: "d/sub/f", typ: tar.TypeReg, data: "x"}), "a2"); err != nil {
		t.Fatal(err)
	}
	if err := ex.extract(context.Background(), tarOf(t, member{name: "./", typ: tar.TypeDir}, member{name: "d/", typ: tar.TypeDir}), "a1"); err != nil {
		t.Fatal(err)
	}
	if err := ex.finish(); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(filepath.Join(dest, "d/sub/f")); err != nil || string(data) != "x" {
		t.Fatalf("d/sub/f: %q, %v", data, err)
	}
}
