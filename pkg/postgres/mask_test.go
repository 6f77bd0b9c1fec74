package postgres

import "testing"

func TestMaskConninfo(t *testing.T) {
	cases := map[string]string{
		"host=pg user=postgres":                         "host=pg user=postgres",
		"host=pg password=s3cret user=x":                "host=pg password=******** user=x",
		"host=pg password = 'a b\\' c' user=x":          "host=pg password = ******** user=x",
		"postgresql://barman:pw@pg:5432/postgres":       "postgresql://barman:********@pg:5432/postgres",
		"postgres://barman@pg/postgres?sslmode=require": "postgres://barman@pg/postgres?sslmode=require",
	}
	for in, want := range cases {
		if got := MaskConninfo(in); got != want {
			t.Errorf("MaskConninfo(%q) = %q, want %q", in, got, want)
		}
	}
}
