package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/internal/s3test"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/s3store"
	"github.com/gobarman/barman/pkg/storage/storagetest"
)

// TestConformance runs the storage suite on a real S3 server.
func TestConformance(t *testing.T) {
	srv := pgtest.StartS3(t)
	n := 0
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		n++
		return s3test.Store(t, srv, "conf", "p"+strings.Repeat("x", n%3)+"/"+t.Name()[len("TestConformance/"):])
	})
}

// TestMultipart writes a blob of several parts, reads it back verified,
// and checks that a corrupted object is refused by name.
func TestMultipart(t *testing.T) {
	srv := pgtest.StartS3(t)
	st := s3test.Store(t, srv, "multi", "pre")
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef"), (s3store.DefaultPartSize*5/2)/16+3)
	if err := storage.Save(ctx, st, "big", bytes.NewReader(big), storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := storage.ReadAll(ctx, st, "big")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read back: %v (len %d, want %d)", err, len(got), len(big))
	}
	if err := storage.Save(ctx, st, "small", strings.NewReader("hello world"), storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Flip a byte of each object in the server's files.
	for _, name := range []string{"big", "small"} {
		file := filepath.Join(srv.BucketDir("multi"), "pre", name)
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		data[len(data)/2] ^= 0x40
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := st.Open(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(io.Discard, r)
		r.Close()
		if !errors.Is(err, s3store.ErrCorrupt) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: corrupted object read with error %v, want ErrCorrupt naming it", name, err)
		}
	}
}

// TestErrorKinds: a missing bucket, wrong credentials and a stopped
// server are told apart.
func TestErrorKinds(t *testing.T) {
	srv := pgtest.StartS3(t)
	s3test.Store(t, srv, "exists", "")
	ctx := context.Background()
	st, err := s3store.New(s3store.Config{Bucket: "missing", Endpoint: srv.Endpoint(), Retries: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := st.Check(ctx); ok || err != nil {
		t.Errorf("Check of a missing bucket: %v %v, want false nil", ok, err)
	}
	_, err = st.Open(ctx, "x")
	if k := s3store.KindOf(err); k != s3store.NoBucket {
		t.Errorf("open in a missing bucket: kind %v (%v), want NoBucket", k, err)
	}
	st2, _ := s3store.New(s3store.Config{Bucket: "exists", Endpoint: srv.Endpoint(), Retries: 1})
	_, err = st2.Open(ctx, "nothing")
	if k := s3store.KindOf(err); k != s3store.NotFound || !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("open of a missing object: kind %v (%v), want NotFound", k, err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wrong")
	st3, _ := s3store.New(s3store.Config{Bucket: "exists", Endpoint: srv.Endpoint(), Retries: 1})
	_, err = st3.Check(ctx)
	if k := s3store.KindOf(err); k != s3store.Auth {
		t.Errorf("wrong secret: kind %v (%v), want Auth", k, err)
	}
	srv.Stop(t)
	_, err = st2.Check(ctx)
	if k := s3store.KindOf(err); k != s3store.Network {
		t.Errorf("stopped server: kind %v (%v), want Network", k, err)
	}
}
