package retention

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
)

// history is a random server history: backups on a WAL archive of
// segments 1..last, on timeline 1 then, from switchAt (0: never), on
// timeline 2.
type history struct {
	cat      *backups.Catalogue
	entries  []catalog.WALEntry
	switchAt int
	last     int
	policy   Policy
	keeps    map[string]string
}

func segName(tli, n int) string { return fmt.Sprintf("%08X%08X%08X", tli, 0, n) }

func (h *history) tli(n int) int {
	if h.switchAt > 0 && n >= h.switchAt {
		return 2
	}
	return 1
}

// randomHistory draws up to 8 backups of any status, some kept, a WAL
// archive with or without a timeline switch, and a policy.
func randomHistory(t testing.TB, rng *rand.Rand) *history {
	h := &history{keeps: map[string]string{}}
	type span struct{ begin, end int }
	var spans []span
	var list []bk
	pos, age := 1, time.Duration(0)
	n := 1 + rng.IntN(8)
	ages := make([]time.Duration, n)
	for i := n - 1; i >= 0; i-- {
		age += time.Duration(1+rng.IntN(5*24)) * time.Hour
		ages[i] = age
	}
	for i := range n {
		pos += rng.IntN(4)
		s := span{pos, pos + rng.IntN(2)}
		spans = append(spans, s)
		pos = s.end + 1
		st := catalog.StatusDone
		switch r := rng.IntN(20); {
		case r < 3:
			st = catalog.StatusFailed
		case r < 5:
			st = catalog.StatusWaitingForWALs
		}
		keep := ""
		if st == catalog.StatusDone {
			switch rng.IntN(10) {
			case 0:
				keep = backups.KeepFull
			case 1:
				keep = backups.KeepStandalone
			}
		}
		list = append(list, bk{status: st, age: ages[i], keep: keep})
	}
	h.last = pos + rng.IntN(4)
	if rng.IntN(3) == 0 {
		h.switchAt = 2 + rng.IntN(h.last-1)
		for _, s := range spans { // a switch never falls inside a backup
			if h.switchAt > s.begin && h.switchAt <= s.end {
				h.switchAt = s.end + 1
			}
		}
		if h.switchAt > h.last {
			h.switchAt = 0
		}
	}
	for i := range list {
		list[i].begin = segName(h.tli(spans[i].begin), spans[i].begin)
	}
	h.cat = newCatalogue(t, list)
	for i, b := range h.cat.Backups {
		b.SetString("end_wal", segName(h.tli(spans[i].end), spans[i].end))
		h.keeps[b.ID] = list[i].keep
	}
	for n := 1; n <= h.last; n++ {
		if n == h.switchAt {
			h.entries = append(h.entries, catalog.WALEntry{Name: "00000002.history", Size: 42})
		}
		name := segName(h.tli(n), n)
		h.entries = append(h.entries, catalog.WALEntry{Name: name, Size: 16 << 20})
		for _, b := range h.cat.Backups {
			if b.BeginWAL() == name {
				h.entries = append(h.entries, catalog.WALEntry{Name: name + ".00000028.backup", Size: 300})
			}
		}
	}
	if rng.IntN(2) == 0 {
		h.policy = redundancy(rng.IntN(4), rng.IntN(3))
	} else {
		h.policy = window(1+rng.IntN(10), rng.IntN(3))
	}
	return h
}

// Over random histories, enforcing the policy removes only OBSOLETE
// backups, honours minimum_redundancy, never removes a history file nor
// a WAL file a remaining backup needs: every remaining backup (but
// FAILED ones) can still recover to every point from its end to the
// newest WAL, a standalone one to its own end.
func TestPlanKeepsWhatRemainingBackupsNeed(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	removedSome, switched := 0, 0
	for i := range 400 {
		h := randomHistory(t, rng)
		rep, err := Evaluate(h.policy, h.cat, now)
		if err != nil {
			t.Fatal(err)
		}
		sim := backups.NewSimulation(h.cat, h.entries, true)
		steps, err := Plan(rep, sim)
		if err != nil {
			t.Fatal(err)
		}
		desc := fmt.Sprintf("history %d: %s min %d, switch at %d, last %d, backups %v", i, h.policy.Text, h.policy.MinimumRedundancy, h.switchAt, h.last, describe(h, rep))
		h.check(t, desc, rep, steps, sim)
		if len(sim.Catalogue().Backups) < len(h.cat.Backups) {
			removedSome++
		}
		if h.switchAt > 0 {
			switched++
		}
	}
	if removedSome < 100 || switched < 50 {
		t.Errorf("the random histories exercise too little: %d remove backups, %d switch timelines", removedSome, switched)
	}
}

func describe(h *history, rep *Report) []string {
	var out []string
	for _, b := range h.cat.Backups {
		out = append(out, fmt.Sprintf("%s %s..%s %s %s", b.Status(), b.BeginWAL(), b.EndWAL(), h.keeps[b.ID], rep.Status(b.ID)))
	}
	return out
}

func (h *history) check(t *testing.T, desc string, rep *Report, steps []Step, sim *backups.Simulation) {
	t.Helper()
	remaining := map[string]bool{}
	for _, b := range sim.Catalogue().Backups {
		remaining[b.ID] = true
	}
	doneBefore, doneAfter := 0, 0
	for _, b := range h.cat.Backups {
		if b.Status() == catalog.StatusDone {
			doneBefore++
			if remaining[b.ID] {
				doneAfter++
			}
		}
		if !remaining[b.ID] && rep.Status(b.ID) != Obsolete {
			t.Fatalf("%s\nremoved %s, which is %s", desc, b.ID, rep.Status(b.ID))
		}
	}
	for _, st := range steps {
		if st.Skip == "" && remaining[st.Backup.ID] || st.Skip != "" && !remaining[st.Backup.ID] {
			t.Fatalf("%s\nstep %s (skip %q) disagrees with the catalogue", desc, st.Backup.ID, st.Skip)
		}
	}
	if doneAfter < min(doneBefore, h.policy.MinimumRedundancy) {
		t.Fatalf("%s\n%d DONE backups remain, minimum_redundancy is %d", desc, doneAfter, h.policy.MinimumRedundancy)
	}
	have := map[string]bool{}
	for _, e := range slices.Collect(sim.WAL.Remaining()) {
		have[e.Name] = true
	}
	if h.switchAt > 0 && !have["00000002.history"] {
		t.Fatalf("%s\nthe history file was removed", desc)
	}
	for _, b := range sim.Catalogue().Backups {
		if b.Status() == catalog.StatusFailed {
			continue
		}
		first, last := segNo(b.BeginWAL()), h.last
		if h.keeps[b.ID] == backups.KeepStandalone {
			last = segNo(b.EndWAL())
		}
		for n := first; n <= last; n++ {
			if name := segName(h.tli(n), n); !have[name] {
				t.Fatalf("%s\nbackup %s (%s) needs %s, removed", desc, b.ID, rep.Status(b.ID), name)
			}
		}
	}
}

func segNo(name string) int {
	var n int
	fmt.Sscanf(name[16:], "%X", &n)
	return n
}

// The plan removes the same backups and files whatever the order of
// xlog.db's lines.
func TestPlanIgnoresXlogDBOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	for range 100 {
		h := randomHistory(t, rng)
		rep, _ := Evaluate(h.policy, h.cat, now)
		a, _ := Plan(rep, backups.NewSimulation(h.cat, h.entries, true))
		shuffled := slices.Clone(h.entries)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		b, _ := Plan(rep, backups.NewSimulation(h.cat, shuffled, true))
		if fmt.Sprint(stepNames(a)) != fmt.Sprint(stepNames(b)) {
			t.Fatalf("in order: %v\nshuffled: %v", stepNames(a), stepNames(b))
		}
	}
}

func stepNames(steps []Step) []string {
	var out []string
	for _, st := range steps {
		names := []string{st.Backup.ID, st.Skip}
		for _, e := range st.WALs {
			names = append(names, e.Name)
		}
		slices.Sort(names[2:])
		out = append(out, fmt.Sprint(names))
	}
	return out
}
