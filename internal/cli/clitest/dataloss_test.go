package clitest

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/jackc/pgx/v5"
)

// committer inserts rows one transaction at a time until the server goes
// away, recording every row whose commit was acknowledged.
type committer struct {
	mu        sync.Mutex
	acked     []int
	attempted int
	done      chan struct{}
}

func startCommitter(t *testing.T, conninfo string) *committer {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), conninfo)
	if err != nil {
		t.Fatal(err)
	}
	c := &committer{done: make(chan struct{})}
	go func() {
		defer close(c.done)
		defer conn.Close(context.Background())
		for i := 1; ; i++ {
			c.mu.Lock()
			c.attempted = i
			c.mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			_, err := conn.Exec(ctx, "INSERT INTO t VALUES ($1)", i)
			cancel()
			if err != nil {
				return
			}
			c.mu.Lock()
			c.acked = append(c.acked, i)
			c.mu.Unlock()
		}
	}()
	return c
}

func (c *committer) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.acked)
}

// dataLoss streams a server's WAL with receive-wal (synchronous or not),
// takes a backup, commits rows one at a time and kills PostgreSQL with
// SIGKILL in the middle; it recovers the backup to the end of the WAL
// barman has (streamed, up to the .partial segment) and returns how many
// acknowledged commits are missing. Rows never acknowledged may be there
// (a commit in flight), rows never attempted may not.
func dataLoss(t *testing.T, synchronous bool) (lost, acked int) {
	settings := map[string]string{}
	if synchronous {
		settings["synchronous_standby_names"] = "barman_receive_wal"
	}
	s := newWALSite(t, streamingConf)
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveMode: "off", Settings: settings})
	s = rewriteConninfo(t, s, pg)
	t.Cleanup(func() { run(t, "barman", "-c", s.conf, "receive-wal", "--stop", "main") })
	barmanOK(t, s.conf, "cron")
	receiveWALPid(t, s.home, 0)
	want := "async"
	if synchronous {
		want = "sync"
	}
	q := "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'barman_receive_wal'"
	pgtest.Await(t, "receive-wal to be an "+want+" standby", 60*time.Second, func() bool { return pg.SQL(t, q) == want })
	pg.SQL(t, "CREATE TABLE t (id int PRIMARY KEY)")
	barmanOK(t, s.conf, "backup", "--wait", "--wait-timeout", "120", "main")
	bs, _ := catalog.NewLayout(s.home, "main", catalog.Dirs{}).ListBackups()
	id := bs[len(bs)-1].ID

	c := startCommitter(t, pg.ConnInfo())
	pgtest.Await(t, "300 acknowledged commits", 60*time.Second, func() bool { return c.count() >= 300 })
	pg.Crash(t) // mid-run: the committer is inside a commit
	<-c.done
	barmanOK(t, s.conf, "receive-wal", "--stop", "main")

	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	out := barmanOK(t, s.conf, "recover", "main", id, dest)
	pgtest.ChownToOSUser(t, dest)
	rec := pgtest.StartExisting(t, dest, pgtest.Options{ArchiveMode: "off"})
	defer rec.Stop(t)
	waitPromoted(t, rec)
	got := map[int]bool{}
	for _, f := range strings.Fields(rec.SQL(t, "SELECT string_agg(id::text, ' ') FROM t")) {
		n, _ := strconv.Atoi(f)
		if n > c.attempted {
			t.Errorf("row %d recovered, only %d were attempted", n, c.attempted)
		}
		got[n] = true
	}
	for _, n := range c.acked {
		if !got[n] {
			lost++
		}
	}
	if lost > 0 {
		t.Logf("recover said:\n%s", out)
	}
	return lost, len(c.acked)
}

// TestStreamingZeroDataLoss: with barman as the synchronous standby, no
// commit PostgreSQL acknowledged is lost when PostgreSQL is killed; the
// asynchronous figure is reported for comparison.
func TestStreamingZeroDataLoss(t *testing.T) {
	t.Run("synchronous", func(t *testing.T) {
		lost, acked := dataLoss(t, true)
		t.Logf("synchronous streaming: %d of %d acknowledged commits lost", lost, acked)
		if lost != 0 {
			t.Errorf("%d acknowledged commits lost", lost)
		}
	})
	t.Run("asynchronous", func(t *testing.T) {
		lost, acked := dataLoss(t, false)
		t.Logf("asynchronous streaming: %d of %d acknowledged commits lost", lost, acked)
	})
}
