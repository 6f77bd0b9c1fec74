package recovery

import (
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/walname"
)

const seg16 = 16 << 20

func lsn(s string) walname.LSN {
	l, err := walname.ParseLSN(s)
	if err != nil {
		panic(err)
	}
	return l
}

func TestResolveChain(t *testing.T) {
	// Timeline 2 left 1 at 0/5000100; 3 left 2 at 0/7800000; 4 branched
	// from 1 at 0/3000000, before the backup began (0/4000028).
	h := map[uint32][]backups.ChildTimeline{
		2: {{TLI: 2, Parent: 1, Switchpoint: lsn("0/5000100")}},
		3: {{TLI: 3, Parent: 1, Switchpoint: lsn("0/5000100")}, {TLI: 3, Parent: 2, Switchpoint: lsn("0/7800000")}},
		4: {{TLI: 4, Parent: 1, Switchpoint: lsn("0/3000000")}},
	}
	begin := lsn("0/4000028")
	for _, tc := range []struct {
		spec, want, err string
	}{
		{"", "1@0/0 2@0/5000100 3@0/7800000", ""},
		{"latest", "1@0/0 2@0/5000100 3@0/7800000", ""},
		{"current", "1@0/0", ""},
		{"1", "1@0/0", ""},
		{"2", "1@0/0 2@0/5000100", ""},
		{"4", "", "before the backup began"},
		{"9", "", "no history file"},
		{"x", "", "want a timeline number"},
	} {
		c, err := ResolveChain(1, begin, tc.spec, h)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: error %v, want %q", tc.spec, err, tc.err)
			}
			continue
		}
		var parts []string
		for _, s := range c {
			parts = append(parts, strings.TrimSpace(strings.Join([]string{itoa(s.TLI), s.Begin.String()}, "@")))
		}
		if got := strings.Join(parts, " "); err != nil || got != tc.want {
			t.Errorf("%q: %s, %v; want %s", tc.spec, got, err, tc.want)
		}
	}
	// A backup on timeline 2 does not follow timeline 4 (a sibling).
	c, err := ResolveChain(2, lsn("0/6000000"), "latest", h)
	if err != nil || c.Target() != 3 {
		t.Errorf("from timeline 2, latest: %v %v", c, err)
	}
}

func itoa(n uint32) string { return strings.TrimLeft(walname.HistoryName(n)[:8], "0") }

func TestChainTLIFor(t *testing.T) {
	c := Chain{{TLI: 1}, {TLI: 2, Begin: lsn("0/5000100")}}
	for segno, want := range map[uint64]uint32{3: 1, 4: 1, 5: 2, 6: 2} {
		if got := c.TLIFor(segno, seg16); got != want {
			t.Errorf("segment %d: timeline %d, want %d", segno, got, want)
		}
	}
}

func archived(names ...string) map[string]time.Time {
	m := map[string]time.Time{}
	for _, n := range names {
		m[n] = time.Unix(0, 0)
	}
	return m
}

func TestPlanSegments(t *testing.T) {
	chain := Chain{{TLI: 1}, {TLI: 2, Begin: lsn("0/5000100")}}
	for _, tc := range []struct {
		name     string
		archived []string
		want     string
		gap      string
	}{
		{"one timeline", []string{"000000010000000000000003", "000000010000000000000004"}, "000000010000000000000003 000000010000000000000004", ""},
		{"switch reads the new timeline's copy", []string{"000000010000000000000003", "000000010000000000000004", "000000010000000000000005", "000000020000000000000005", "000000020000000000000006"},
			"000000010000000000000003 000000010000000000000004 000000020000000000000005 000000020000000000000006", ""},
		{"gap", []string{"000000010000000000000003", "000000020000000000000006"}, "000000010000000000000003", "000000010000000000000004"},
		{"gap at the switch", []string{"000000010000000000000003", "000000010000000000000004", "000000010000000000000005", "000000020000000000000006"},
			"000000010000000000000003 000000010000000000000004", "000000020000000000000005"},
		{"other timelines ignored", []string{"000000010000000000000003", "000000030000000000000009"}, "000000010000000000000003", ""},
	} {
		p := Plan{SegSize: seg16, BeginWAL: "000000010000000000000003", Chain: chain, Archived: archived(tc.archived...)}
		names, gap, err := p.Segments()
		if err != nil || strings.Join(names, " ") != tc.want || gap != tc.gap {
			t.Errorf("%s: %v gap %q err %v; want %s gap %q", tc.name, names, gap, err, tc.want, tc.gap)
		}
	}
}

func TestParseTime(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	for _, tc := range []struct {
		in    string
		want  string
		naive bool
	}{
		{"2026-11-25 13:17:01+00", "2026-11-25 13:17:01+00:00", false},
		{"2026-11-25 13:17:01.123456+02:00", "2026-11-25 13:17:01.123456+02:00", false},
		{"2026-11-25T13:17:01Z", "2026-11-25 13:17:01+00:00", false},
		{"2026-11-25 13:17:01", "2026-11-25 13:17:01+01:00", true},
		{"2026-11-25", "2026-11-25 00:00:00+01:00", true},
	} {
		got, naive, err := ParseTime(tc.in, loc)
		if err != nil || FormatTime(got) != tc.want || naive != tc.naive {
			t.Errorf("%q: %s naive=%v %v; want %s naive=%v", tc.in, FormatTime(got), naive, err, tc.want, tc.naive)
		}
	}
	if _, _, err := ParseTime("yesterday", loc); err == nil || !strings.Contains(err.Error(), "YYYY-MM-DD") {
		t.Errorf("bad time: %v", err)
	}
	if _, err := ParseXID("12a"); err == nil {
		t.Error("xid 12a accepted")
	}
	if x, err := ParseXID("4294968296"); err != nil || x != 1000 {
		t.Errorf("64-bit xid: %d %v", x, err)
	}
}

// The streaming directory extends the archive: completed segments not yet
// archived, then the partial segment when it is the next one on the
// timeline recovered.
func TestPlanSegmentsStreamed(t *testing.T) {
	chain := Chain{{TLI: 1}, {TLI: 2, Begin: lsn("0/5000100")}}
	for _, tc := range []struct {
		name               string
		archived, streamed []string
		partial            string
		want, gap          string
		uses               bool
	}{
		{"streamed after archived", []string{"000000010000000000000003"}, []string{"000000010000000000000004"}, "",
			"000000010000000000000003 000000010000000000000004", "", false},
		{"partial last", []string{"000000010000000000000003"}, []string{"000000010000000000000004"}, "000000020000000000000005.partial",
			"000000010000000000000003 000000010000000000000004 000000020000000000000005.partial", "", true},
		{"partial right after the archive", []string{"000000010000000000000003", "000000010000000000000004"}, nil, "000000020000000000000005.partial",
			"000000010000000000000003 000000010000000000000004 000000020000000000000005.partial", "", true},
		{"partial of the timeline left behind", []string{"000000010000000000000003", "000000010000000000000004"}, nil, "000000010000000000000005.partial",
			"000000010000000000000003 000000010000000000000004", "", false},
		{"partial of another timeline", []string{"000000010000000000000003", "000000010000000000000004"}, nil, "000000030000000000000005.partial",
			"000000010000000000000003 000000010000000000000004", "", false},
		{"partial stale: its segment is archived", []string{"000000010000000000000003", "000000010000000000000004", "000000020000000000000005"}, nil, "000000020000000000000005.partial",
			"000000010000000000000003 000000010000000000000004 000000020000000000000005", "", false},
		{"partial stale: a later segment is streamed", []string{"000000010000000000000003", "000000010000000000000004"}, []string{"000000020000000000000005", "000000020000000000000006"}, "000000020000000000000005.partial",
			"000000010000000000000003 000000010000000000000004 000000020000000000000005 000000020000000000000006", "", false},
		{"gap before the partial", []string{"000000010000000000000003"}, nil, "000000020000000000000005.partial",
			"000000010000000000000003", "000000010000000000000004", false},
	} {
		p := Plan{SegSize: seg16, BeginWAL: "000000010000000000000003", Chain: chain, Archived: archived(tc.archived...),
			Streamed: archived(tc.streamed...), Partial: tc.partial}
		names, gap, err := p.Segments()
		if err != nil || strings.Join(names, " ") != tc.want || gap != tc.gap {
			t.Errorf("%s: %v gap %q err %v; want %s gap %q", tc.name, names, gap, err, tc.want, tc.gap)
		}
		if p.UsesPartial() != tc.uses {
			t.Errorf("%s: UsesPartial %v, want %v", tc.name, !tc.uses, tc.uses)
		}
	}
}

// Histories come from the archive and the streaming directory, once each.
func TestPlanHistoriesStreamed(t *testing.T) {
	p := Plan{Archived: archived("00000002.history", "000000010000000000000003"), Streamed: archived("00000002.history", "00000003.history")}
	if got := strings.Join(p.Histories(), " "); got != "00000002.history 00000003.history" {
		t.Errorf("histories: %s", got)
	}
}
