// Package s3test opens stores on the S3 server of pgtest.StartS3. It is
// apart from pgtest so that pgtest does not import the storage packages
// (whose own tests use pgtest).
package s3test

import (
	"context"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/storage/s3store"
)

// Store returns a store on bucket (created if missing) under prefix, with
// the server's credentials set in the test's environment.
func Store(t testing.TB, srv *pgtest.S3, bucket, prefix string) *s3store.Store {
	t.Helper()
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	st, err := s3store.New(s3store.Config{Bucket: bucket, Prefix: prefix, Endpoint: srv.Endpoint(), Retries: 2})
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	if err := st.CreateBucket(context.Background()); err != nil {
		t.Fatalf("s3test: %v", err)
	}
	return st
}
