package compress

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestCustomRoundTrip(t *testing.T) {
	data := walLike(1 << 20)
	magic, _ := ParseMagic("0x1f8b08")
	opt := WithCustom("gzip -c", "gzip -d -c", magic)
	z := compressBytes(t, data, Custom, DefaultLevel, opt)
	if got := Detect(z, opt); got != Custom {
		t.Errorf("Detect with custom magic = %q", got)
	}
	if got := Detect(z); got != Gzip {
		t.Errorf("Detect without custom magic = %q", got)
	}
	r, algo, err := OpenAuto(bytes.NewReader(z), opt)
	if err != nil || algo != Custom {
		t.Fatalf("OpenAuto = %q, %v", algo, err)
	}
	got, err := io.ReadAll(r)
	if err != nil || !bytes.Equal(got, data) || r.Close() != nil {
		t.Fatalf("custom round trip: %d bytes, %v", len(got), err)
	}
}

// TestCustomCompressFails: a compression filter that fails or stops
// reading its input (the input is bigger than a pipe, so the write breaks)
// is a *FilterError, from Write or from Close.
func TestCustomCompressFails(t *testing.T) {
	data := walLike(1 << 20)
	for _, tc := range []struct{ filter, want string }{
		{"false", "failed: exit status 1"},
		{"cat >/dev/null; exit 3", "failed: exit status 3"},
		{"echo disk on fire >&2; exit 4", "failed: exit status 4: disk on fire"},
		{"exit 0", `custom_compression_filter "exit 0" exited without reading all its input`},
		{"", ""},
	} {
		t.Run(tc.filter, func(t *testing.T) {
			var out, stderr bytes.Buffer
			w, err := NewWriter(&out, Custom, DefaultLevel, WithCustom(tc.filter, "", nil), WithStderr(&stderr, "test: "))
			if err == nil {
				_, err = io.Copy(w, bytes.NewReader(data))
				if cerr := w.Close(); err == nil {
					err = cerr
				}
			}
			var fe *FilterError
			switch {
			case err == nil:
				t.Fatal("no error")
			case tc.want == "": // not a filter's failure: a missing setting
				if errors.As(err, &fe) {
					t.Fatalf("%v is a FilterError", err)
				}
			case !errors.As(err, &fe) || fe.Command != tc.filter || !strings.Contains(err.Error(), tc.want):
				t.Fatalf("error %v (%T), want a FilterError with %q", err, err, tc.want)
			}
		})
	}
}

func TestCustomDecompressFails(t *testing.T) {
	z := compressBytes(t, walLike(1<<20), Gzip, DefaultLevel)
	for _, filter := range []string{"false", "head -c 1000; exit 3", "gzip -d -c; echo 'disk on fire' >&2; exit 4", ""} {
		t.Run(filter, func(t *testing.T) {
			var stderr bytes.Buffer
			got, err := decompressBytes(t, z, Custom, WithCustom("", filter, nil), WithStderr(&stderr, "test: "))
			if err == nil {
				t.Fatalf("no error after %d bytes", len(got))
			}
			var fe *FilterError
			if filter != "" && (!errors.As(err, &fe) || fe.Kind != "custom_decompression_filter") {
				t.Errorf("error %v (%T) is not a FilterError", err, err)
			}
			if strings.Contains(filter, "fire") {
				if !strings.Contains(err.Error(), "disk on fire") {
					t.Errorf("error does not quote stderr: %v", err)
				}
				if stderr.String() != "test: custom_decompression_filter: disk on fire\n" {
					t.Errorf("stderr = %q", stderr.String())
				}
			}
		})
	}
}

// TestCustomEarlyClose: closing a reader before the end kills the filter
// (and its children) instead of waiting for it.
func TestCustomEarlyClose(t *testing.T) {
	r, err := NewReader(strings.NewReader(""), Custom, WithCustom("", "yes | cat", nil))
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	if _, err := io.ReadFull(r, buf); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	if _, err := r.Read(buf); err == nil || err == io.EOF {
		t.Errorf("Read after Close = %v", err)
	}
}

func TestCustomContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := NewReader(strings.NewReader(""), Custom, WithCustom("", "sleep 30", nil), WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	if _, err := io.ReadAll(r); err == nil {
		t.Error("no error after cancel")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %v", d)
	}
}
