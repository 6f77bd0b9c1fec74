package postgres

import (
	"context"
	"strings"
	"testing"
)

// TestConnectParseErrorMasked: a connection string pgx rejects is shown
// masked in the error, with pgx's reason, and no part of the password.
func TestConnectParseErrorMasked(t *testing.T) {
	cases := []struct{ conninfo, want string }{
		{`host=pg password=se\ cret sslmode=bogus`, `"host=pg password=******** sslmode=bogus": failed to configure TLS (sslmode is invalid)`},
		{`host=pg password='se cret' port=x`, `"host=pg password=******** port=x": invalid port`},
		{`password=se cret host=pg`, `"password=******** ********": missing "=" after the keyword at byte 13`},
		{`host=pg password='se cret`, `"host=pg password=********": unterminated quoted value at byte 18`},
		{`postgresql://u:se%20cret@pg/db?sslmode=bogus`, `"postgresql://u:********@pg/db?sslmode=bogus": failed to configure TLS (sslmode is invalid)`},
	}
	for _, c := range cases {
		_, err := Connect(context.Background(), c.conninfo)
		if err == nil {
			t.Fatalf("Connect(%q) succeeded", c.conninfo)
		}
		if got := err.Error(); strings.Contains(got, "cret") || got != "invalid connection string "+c.want {
			t.Errorf("Connect(%q):\n got %s\nwant invalid connection string %s", c.conninfo, got, c.want)
		}
	}
}
