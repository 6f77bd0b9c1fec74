package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/storage"
)

// failingStore fails the removal of the objects fail matches.
type failingStore struct {
	storage.Storage
	fail   func(name string) bool
	failed int
}

func (s *failingStore) Remove(ctx context.Context, name string) error {
	if s.fail(name) {
		s.failed++
		return fmt.Errorf("remove %s: injected failure", name)
	}
	return s.Storage.Remove(ctx, name)
}

type nopLog struct{ t *testing.T }

func (l nopLog) Debugf(f string, a ...any)   { l.t.Logf("DEBUG: "+f, a...) }
func (l nopLog) Infof(f string, a ...any)    { l.t.Logf("INFO: "+f, a...) }
func (l nopLog) Warningf(f string, a ...any) { l.t.Logf("WARNING: "+f, a...) }
func (l nopLog) Errorf(f string, a ...any)   { l.t.Logf("ERROR: "+f, a...) }

func putBackup(t *testing.T, st storage.Storage, id string, seg int) {
	t.Helper()
	info := fmt.Sprintf("status=DONE\ntimeline=1\nbegin_wal=%024X\nend_wal=%024X\nend_time=2026-01-01 00:00:00+00:00\n", seg, seg)
	for name, data := range map[string]string{"backup.info": info, "data.tar": "d", "16385.tar": "t"} {
		if err := storage.Save(context.Background(), st, "pg/base/"+id+"/"+name, strings.NewReader(data), storage.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

func ids(t *testing.T, st storage.Storage) (backups, noInfo []string) {
	t.Helper()
	c, err := LoadCatalog(context.Background(), st, "pg", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range c.Backups {
		backups = append(backups, b.ID)
	}
	return backups, c.NoInfo
}

// TestDeleteKilledHalfway: a delete that fails after it started removing
// a backup never leaves that backup listed (backup.info goes first), and a
// later delete removes what is left once it is older than the leftover age.
func TestDeleteKilledHalfway(t *testing.T) {
	ctx := context.Background()
	local := &storage.Local{Root: t.TempDir()}
	putBackup(t, local, "20260101T000000", 0x100000002)
	putBackup(t, local, "20260102T000000", 0x100000004)
	st := &failingStore{Storage: local, fail: func(n string) bool { return strings.HasSuffix(n, ".tar") }}
	c, err := LoadCatalog(ctx, st, "pg", t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	opts := DeleteOptions{BackupID: "20260101T000000", Out: io.Discard, Log: nopLog{t}}
	var refusal *Refusal
	if err := Delete(ctx, c, opts); !errors.As(err, &refusal) || st.failed == 0 {
		t.Fatalf("delete with failing removals: %v (%d failures injected)", err, st.failed)
	}
	backups, noInfo := ids(t, local)
	if !slices.Equal(backups, []string{"20260102T000000"}) || !slices.Equal(noInfo, []string{"20260101T000000"}) {
		t.Fatalf("after the failed delete: backups %v, without backup.info %v", backups, noInfo)
	}

	// A young leftover stays; an old one goes, with a dry run first.
	for _, tc := range []struct {
		now    time.Time
		dryRun bool
		gone   bool
	}{{time.Now(), false, false}, {time.Now().Add(2 * time.Hour), true, false}, {time.Now().Add(2 * time.Hour), false, true}} {
		c, err := LoadCatalog(ctx, local, "pg", t.Logf)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		err = Delete(ctx, c, DeleteOptions{Policy: "REDUNDANCY 1", LeftoverAge: time.Hour, Now: tc.now, DryRun: tc.dryRun, Out: &out, Log: nopLog{t}})
		if err != nil {
			t.Fatal(err)
		}
		var left []string
		if err := local.List(ctx, "pg/base/20260101T000000/", storage.ListOptions{}, func(i storage.Info) error {
			left = append(left, i.Name)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if gone := len(left) == 0; gone != tc.gone {
			t.Errorf("now+%s dry-run %v: leftover gone %v, want %v", time.Until(tc.now).Round(time.Hour), tc.dryRun, gone, tc.gone)
		}
		if mentioned := strings.Contains(out.String(), "pg/base/20260101T000000/data.tar"); mentioned != tc.dryRun {
			t.Errorf("now+%s dry-run %v: printed %q", time.Until(tc.now).Round(time.Hour), tc.dryRun, out.String())
		}
	}
	if backups, _ := ids(t, local); !slices.Equal(backups, []string{"20260102T000000"}) {
		t.Errorf("the remaining backup is gone: %v", backups)
	}
}

func TestJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":       `"plain"`,
		"a\"b\\c\n\t": `"a\"b\\c\n\t"`,
		"\x01é€":      `"\u0001\u00e9\u20ac"`,
		"😀":           `"\ud83d\ude00"`,
	} {
		if got := jsonString(in); got != want {
			t.Errorf("jsonString(%q) = %s, want %s", in, got, want)
		}
	}
}
