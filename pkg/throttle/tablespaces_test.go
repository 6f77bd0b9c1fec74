package throttle

import (
	"reflect"
	"testing"
)

func TestParseTablespaceLimits(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[string]int64
		bad  bool
	}{
		{"", map[string]int64{}, false},
		{"tbs1:100", map[string]int64{"tbs1": 100}, false},
		{"tbs1:100 tbs2:0, big:2048", map[string]int64{"tbs1": 100, "tbs2": 0, "big": 2048}, false},
		{"tbs1", nil, true},
		{"tbs1:fast", nil, true},
		{":100", nil, true},
		{"tbs1:-1", nil, true},
	} {
		got, err := ParseTablespaceLimits(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("ParseTablespaceLimits(%q) = %v, %v", tc.in, got, err)
		}
	}
}
