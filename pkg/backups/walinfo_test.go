package backups

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

// The figures Barman 3.4 printed for the sample (outputs/show-backup-*.txt).
func TestSampleWALInfo(t *testing.T) {
	c, entries := loadSample(t, "pg")
	for _, tc := range []struct {
		id                  string
		num, untilNext      int
		size, untilNextSize int64
		last, rate          string
		ratio, untilRatio   string
	}{
		{"20261125T152849", 2, 4, 32855, 1499220, "00000001000000000000000B", "3064.74", "99.90%", "97.77%"},
		{"20261125T152856", 1, 1, 16462, 16549, "00000001000000000000000C", "566.41", "99.90%", "99.90%"},
	} {
		w, err := c.WALInfo(c.Get(tc.id), entries)
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprint(w.Num, w.UntilNextNum, w.Size, w.UntilNextSize, w.Last, fmt.Sprintf("%.2f", w.PerSecond*3600),
			Percent(w.CompressionRatio), Percent(w.UntilNextCompressionRatio))
		want := fmt.Sprint(tc.num, tc.untilNext, tc.size, tc.untilNextSize, tc.last, tc.rate, tc.ratio, tc.untilRatio)
		if got != want || w.First != c.Get(tc.id).BeginWAL() {
			t.Errorf("%s: got %s, want %s (first %s)", tc.id, got, want, w.First)
		}
	}
}

func TestWALsUntilNext(t *testing.T) {
	a := done(t, "20260101T000000", "000000010000000000000002", "000000010000000000000003")
	b := done(t, "20260102T000000", "000000010000000000000005", "000000010000000000000005")
	c := newCat(t, a, mk(t, "20260101T120000", catalog.StatusFailed), b)
	entries := []catalog.WALEntry{
		wal("000000010000000000000001", 1, 1),
		wal("000000010000000000000002", 1, 2),
		wal("000000010000000000000002.00000028.backup", 1, 2),
		wal("000000010000000000000003", 1, 3),
		wal("000000010000000000000003.partial", 1, 3),
		wal("00000002.history", 1, 4),
		wal("000000020000000000000004", 1, 4), // a later timeline: skipped
		wal("000000010000000000000004", 1, 5),
		wal("000000010000000000000005", 1, 6),
		wal("000000010000000000000006", 1, 7), // past the next end: the scan stops
		wal("00000003.history", 1, 8),
		wal("000000010000000000000005", 1, 9),
	}
	for _, tc := range []struct {
		b       *catalog.BackupInfo
		history bool
		want    []string
	}{
		{a, false, []string{"000000010000000000000002", "000000010000000000000003", "000000010000000000000004", "000000010000000000000005"}},
		{a, true, []string{"000000010000000000000002", "000000010000000000000003", "00000002.history", "000000010000000000000004", "000000010000000000000005"}},
		{b, true, []string{"00000002.history", "000000010000000000000005", "000000010000000000000006", "00000003.history", "000000010000000000000005"}},
		{mk(t, "20260101T120000", catalog.StatusFailed), true, []string{}},
	} {
		got, err := c.WALsUntilNext(tc.b, entries, tc.history)
		if err != nil || !slices.Equal(names(got), tc.want) {
			t.Errorf("%s history=%v: %v, %v\nwant %v", tc.b.ID, tc.history, names(got), err, tc.want)
		}
	}
	// A bad name before begin_wal is skipped, as Barman skips it; after, it is an error.
	bad := append([]catalog.WALEntry{wal("00000000garbage", 1, 0)}, entries...)
	if _, err := c.WALsUntilNext(a, bad, false); err != nil {
		t.Errorf("bad name before begin_wal: %v", err)
	}
	bad = append(entries[:1:1], wal("zz-not-a-wal", 1, 0))
	var be *BadWALNameError
	if _, err := c.WALsUntilNext(a, bad, false); !errors.As(err, &be) || be.Name != "zz-not-a-wal" {
		t.Errorf("bad name after begin_wal: %v", err)
	}
}

func TestWALInfoWithoutBeginWAL(t *testing.T) {
	a := done(t, "20260101T000000", "000000010000000000000002", "000000010000000000000003")
	c := newCat(t, a)
	// begin_wal was never archived: counts, but no rate nor ratio.
	w, err := c.WALInfo(a, []catalog.WALEntry{wal("000000010000000000000003", 100, 1), wal("000000010000000000000004", 100, 5)})
	if err != nil || w.Num != 1 || w.UntilNextNum != 1 || w.First != "" || w.Last != "000000010000000000000004" ||
		w.PerSecond != 0 || w.CompressionRatio != 0 {
		t.Errorf("got %+v, %v", w, err)
	}
	// Only the begin segment: no time elapsed, no rate; nothing after, ratio 0.
	w, _ = c.WALInfo(a, []catalog.WALEntry{wal("000000010000000000000002", 1<<23, 1)})
	if w.PerSecond != 0 || w.CompressionRatio != 0.5 || w.UntilNextCompressionRatio != 0 {
		t.Errorf("got %+v", w)
	}
}

func TestRequiredSegments(t *testing.T) {
	b := done(t, "20260101T000000", "0000000100000001000000FE", "000000010000000200000001")
	got, err := RequiredSegments(b)
	want := []string{"0000000100000001000000FE", "0000000100000001000000FF", "000000010000000200000000", "000000010000000200000001"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("got %v, %v", got, err)
	}
	b.Set("version", "90204") // before 9.3, segment FF does not exist
	got, _ = RequiredSegments(b)
	if want := slices.Delete(want, 1, 2); !slices.Equal(got, want) {
		t.Errorf("9.2: got %v, want %v", got, want)
	}
	b.Set("xlog_segment_size", "67108864") // 64 MiB: 64 segments per log
	b.Set("version", "150000")
	b.Set("begin_wal", "00000001000000010000003F")
	got, _ = RequiredSegments(b)
	if want := []string{"00000001000000010000003F", "000000010000000200000000", "000000010000000200000001"}; !slices.Equal(got, want) {
		t.Errorf("64 MiB: got %v", got)
	}
}
