package postgres

import (
	"slices"
	"testing"
)

func TestSynchronousNames(t *testing.T) {
	for _, tc := range []struct {
		setting string
		names   []string
		sync    bool // for barman_receive_wal
	}{
		{"", nil, false},
		{"barman_receive_wal", []string{"barman_receive_wal"}, true},
		{"standby1, Barman_Receive_WAL", []string{"standby1", "Barman_Receive_WAL"}, true},
		{`FIRST 1 (standby1, "barman_receive_wal")`, []string{"standby1", "barman_receive_wal"}, true},
		{"ANY 2 (s1, s2)", []string{"s1", "s2"}, false},
		{"2 (*)", []string{"*"}, true},
		{"barman_receive_wal_2", []string{"barman_receive_wal_2"}, false},
	} {
		if got := SynchronousNames(tc.setting); !slices.Equal(got, tc.names) {
			t.Errorf("SynchronousNames(%q) = %q, want %q", tc.setting, got, tc.names)
		}
		if got := IsSynchronous(tc.setting, "barman_receive_wal"); got != tc.sync {
			t.Errorf("IsSynchronous(%q) = %v", tc.setting, got)
		}
	}
}
