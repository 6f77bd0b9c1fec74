package basebackup

import (
	"context"
	"strings"
	"testing"
)

// TestReplicationConnectParseErrorMasked: a streaming connection string
// pgx rejects is shown masked, without any part of the password.
func TestReplicationConnectParseErrorMasked(t *testing.T) {
	_, err := replicationConnect(context.Background(), `host=pg password=se\ cret sslmode=bogus`)
	want := `streaming connection: invalid connection string "host=pg password=******** sslmode=bogus": failed to configure TLS (sslmode is invalid)`
	if err == nil || err.Error() != want || strings.Contains(err.Error(), "cret") {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}
