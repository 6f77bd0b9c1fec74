package walreceive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/walname"
)

// receiving runs Run in the background until the test ends; stop ends it
// early and returns its error.
func receiving(t *testing.T, opt Options) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	done := make(chan struct{})
	go func() { defer close(done); err = Run(ctx, opt) }()
	var once sync.Once
	stop = func() error {
		once.Do(func() { cancel(); <-done })
		return err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond for up to a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	pgtest.Await(t, what, 60*time.Second, cond)
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// TestReceiveSegmentsIdentical: completed segments are byte-identical to
// pg_wal's, the slot is created, and the current segment is a full-size
// .partial.
func TestReceiveSegmentsIdentical(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"wal_keep_size": "256MB"}})
	dir := t.TempDir()
	var rec report.Recorder
	stop := receiving(t, Options{Server: "main", Conninfo: pg.ConnInfo(), Slot: "barman", CreateSlot: true, Dir: dir, Log: &rec,
		StatusInterval: 200e6})
	waitFor(t, "the slot to be active", func() bool {
		return pg.SQL(t, "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'barman' AND active") == "1"
	})
	first := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	pg.Pgbench(t, "-i", "-s", "2")
	pg.SQL(t, "SELECT pg_switch_wal()")
	pg.SQL(t, "CREATE TABLE after_switch AS SELECT 1 AS x")
	last := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	lastStart, _ := walname.ParseLSN(pg.SQL(t, "SELECT pg_current_wal_lsn()"))
	waitFor(t, "the receiver to write up to "+lastStart.String(), func() bool {
		return pg.SQL(t, "SELECT coalesce(bool_or(write_lsn >= '"+lastStart.String()+"'), false) FROM pg_stat_replication") == "t"
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	fn, _ := walname.Parse(first)
	ln, _ := walname.Parse(last)
	n := 0
	for seg := fn; walname.Compare(seg, ln) < 0; seg, _ = seg.Next(16 << 20) {
		got, err := os.ReadFile(filepath.Join(dir, seg.String()))
		if err != nil {
			t.Fatalf("segment %s not received: %v", seg, err)
		}
		want, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", seg.String()))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from pg_wal's", seg)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("only %d segments between %s and %s", n, first, last)
	}
	part, err := os.ReadFile(filepath.Join(dir, last+".partial"))
	if err != nil || len(part) != 16<<20 {
		t.Fatalf("partial: %d bytes, %v", len(part), err)
	}
	want, _ := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", last))
	upto := uint64(lastStart) % (16 << 20)
	if !bytes.Equal(part[:upto], want[:upto]) {
		t.Fatal("the partial segment differs from pg_wal's up to the position streamed")
	}
	if !strings.Contains(messages(&rec), "Creating replication slot 'barman'") {
		t.Errorf("messages: %s", messages(&rec))
	}
}

func messages(r *report.Recorder) string {
	var b strings.Builder
	for _, m := range r.All() {
		b.WriteString(m.Level + ": " + m.Text + "\n")
	}
	return b.String()
}

// TestReceiveSynchronous: with barman in synchronous_standby_names, a
// commit returns only once its WAL is flushed by the receiver, and the
// rows are in the .partial file right then.
func TestReceiveSynchronous(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"synchronous_standby_names": "barman_receive_wal"}})
	dir := t.TempDir()
	var starts []Start
	var mu sync.Mutex
	receiving(t, Options{Server: "main", Conninfo: pg.ConnInfo(), Slot: "barman", CreateSlot: true, Dir: dir,
		Streaming: func(s Start) { mu.Lock(); starts = append(starts, s); mu.Unlock() }})
	pg.SQL(t, "CREATE TABLE t (v text)")
	for i := range 20 {
		marker := "acknowledged-" + strconv.Itoa(i)
		pg.SQL(t, "INSERT INTO t VALUES ('"+marker+"')")
		// The commit returned: the record must be on the receiver's disk.
		seg := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
		data, err := os.ReadFile(filepath.Join(dir, seg+".partial"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(data, []byte(marker)) {
			t.Fatalf("commit %d returned but %s is not in %s.partial", i, marker, seg)
		}
	}
	state := pg.SQL(t, "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'barman_receive_wal'")
	if state != "sync" {
		t.Fatalf("sync_state %q", state)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(starts) == 0 || !starts[0].Synchronous {
		t.Fatalf("starts %+v: want synchronous", starts)
	}
}

// TestReceiveMissingSlot: a missing slot with create_slot = manual is a
// FatalError naming the command to run.
func TestReceiveMissingSlot(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	err := Run(context.Background(), Options{Server: "main", Conninfo: pg.ConnInfo(), Slot: "nope", Dir: t.TempDir()})
	var fe *FatalError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "replication slot 'nope' doesn't exist") ||
		!strings.Contains(fe.Hint(), "barman receive-wal --create-slot main") {
		t.Fatalf("got %v", err)
	}
}
