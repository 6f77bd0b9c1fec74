package cloudtest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/internal/s3test"
	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/s3store"
)

// catServer is the server name of the catalogue tests.
const catServer = "pg"

// barmanBackup takes a backup with Debian's barman-cloud-backup 3.4, run
// as the PostgreSQL OS user (it reads PGDATA), and returns its ID. Backup
// IDs are times to the second: it starts in a second after last's.
func (f *fixture) barmanBackup(t *testing.T, pg *pgtest.Postgres, url, last, name string) string {
	t.Helper()
	pgtest.Await(t, "a backup ID after "+last, 5*time.Second, func() bool {
		return time.Now().Format("20060102T150405") > last
	})
	args := []string{"--endpoint-url", f.S3.Endpoint(), "--immediate-checkpoint"}
	if name != "" {
		args = append(args, "-n", name)
	}
	cmd := pg.Command("/usr/bin/barman-cloud-backup", append(args, url, catServer)...)
	cmd.Env = append(cmd.Env, f.Env()...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("barman-cloud-backup: %v\n%s", err, out)
	}
	ids := f.backupIDs(t, "backups")
	if len(ids) == 0 || ids[len(ids)-1] <= last {
		t.Fatalf("barman-cloud-backup made no new backup: %v", ids)
	}
	return ids[len(ids)-1]
}

func (f *fixture) store(t *testing.T, bucket string) *s3store.Store {
	t.Helper()
	return s3test.Store(t, f.S3, bucket, "cluster")
}

// backupIDs lists the backups of catServer in bucket with our engine.
func (f *fixture) backupIDs(t *testing.T, bucket string) []string {
	t.Helper()
	cat, err := engine.LoadCatalog(context.Background(), f.store(t, bucket), catServer, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range cat.Backups {
		ids = append(ids, b.ID)
	}
	return ids
}

// keys lists every object of bucket.
func (f *fixture) keys(t *testing.T, bucket string) []string {
	t.Helper()
	var out []string
	err := s3test.Store(t, f.S3, bucket, "").List(context.Background(), "", storage.ListOptions{}, func(i storage.Info) error {
		out = append(out, i.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// copyBucket copies every object of from into a new bucket to.
func (f *fixture) copyBucket(t *testing.T, from, to string) {
	t.Helper()
	ctx := context.Background()
	src, dst := s3test.Store(t, f.S3, from, ""), s3test.Store(t, f.S3, to, "")
	for _, k := range f.keys(t, from) {
		data, err := storage.ReadAll(ctx, src, k)
		if err == nil {
			err = storage.Save(ctx, dst, k, bytes.NewReader(data), storage.CreateOptions{})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// same runs ours and Barman's tool with args and wants the same exit
// status and standard output.
func (f *fixture) same(t *testing.T, tool string, args ...string) string {
	t.Helper()
	out, errOut, code := f.run(t, tool, args...)
	bout, berr, bcode := f.runBarman(t, tool, args...)
	t.Logf("%s %q (exit %d):\n%s", tool, args, code, out)
	if out != bout || code != bcode {
		t.Errorf("%s %q:\nours (exit %d):\n%s%s\nBarman 3.4 (exit %d):\n%s%s", tool, args, code, out, errOut, bcode, bout, berr)
	}
	return out
}

func diff(a, b []string) (onlyA, onlyB []string) {
	for _, x := range a {
		if !slices.Contains(b, x) {
			onlyA = append(onlyA, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			onlyB = append(onlyB, x)
		}
	}
	return onlyA, onlyB
}

// TestCatalogAgainstBarman: on backups made by Barman 3.4's
// barman-cloud-backup (WAL archived by its barman-cloud-wal-archive), our
// backup-list, -show, -keep and -delete print what Barman 3.4's print,
// see each other's keep annotations, refuse what Barman refuses, and
// delete exactly the objects Barman deletes (each on its own copy of the
// bucket).
func TestCatalogAgainstBarman(t *testing.T) {
	f := newFixture(t)
	pgtest.Require(t, "Debian's barman-cli-cloud 3.4 (apt-get install barman-cli-cloud python3-boto3 python3-psycopg2)", "/usr/bin/barman-cloud-backup")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: f.barmanCmd("barman-cloud-wal-archive", f.URL, catServer, "%p")})
	tblspc := filepath.Join(pgtest.TempDir(t), "tblspc")
	if err := os.Mkdir(tblspc, 0o700); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, tblspc)
	pg.SQL(t, "CREATE TABLESPACE ts LOCATION '"+tblspc+"'")
	pg.SQL(t, "CREATE TABLE in_ts TABLESPACE ts AS SELECT generate_series(1, 1000) AS n")
	names := []string{"alpha", "", "", "", "omega"}
	var ids []string
	last := ""
	for i, name := range names {
		pg.SQL(t, fmt.Sprintf("CREATE TABLE t%d AS SELECT generate_series(1, 10000) AS n", i))
		pg.SQL(t, "SELECT pg_switch_wal()")
		last = f.barmanBackup(t, pg, f.URL, last, name)
		ids = append(ids, last)
	}
	seg := pg.SQL(t, "SELECT pg_walfile_name(pg_switch_wal())")
	pgtest.Await(t, "the archiving of "+seg, time.Minute, func() bool {
		return pg.SQL(t, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= seg
	})
	pg.Stop(t)
	// A failed backup (JSON lists it, the console does not; it is never
	// deleted, and is no previous backup).
	failed := "20000101T000000"
	if err := storage.Save(context.Background(), f.store(t, "backups"), "pg/base/"+failed+"/backup.info",
		strings.NewReader("status=FAILED\nerror=failure for a test\nserver_name=cloud\nbackup_name=broken\n"), storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	// list and show, console and JSON.
	for _, format := range []string{"console", "json"} {
		f.same(t, "barman-cloud-backup-list", "--format", format, f.URL, catServer)
		f.same(t, "barman-cloud-backup-show", "--format", format, f.URL, catServer, "alpha")
		f.same(t, "barman-cloud-backup-show", "--format", format, f.URL, catServer, ids[2])
		f.same(t, "barman-cloud-backup-show", "--format", format, f.URL, catServer, "broken")
	}
	if out, _, _ := f.run(t, "barman-cloud-backup-list", f.URL, catServer); strings.Count(out, "\n") != 6 || !strings.Contains(out, ids[0]) || !strings.Contains(out, "omega") {
		t.Errorf("backup-list shows:\n%s\nwant a header and 5 backups", out)
	}
	if _, errOut, code := f.run(t, "barman-cloud-backup-show", f.URL, catServer, "20010101T000000"); code != 1 || !strings.Contains(errOut, "Backup 20010101T000000 for server pg does not exist") {
		t.Errorf("show of a missing backup: exit %d, %s", code, errOut)
	}

	// keep: each tool sees the other's annotations.
	if _, errOut, code := f.run(t, "barman-cloud-backup-keep", "--target", "standalone", f.URL, catServer, ids[1]); code != 0 {
		t.Fatalf("keep --target standalone: exit %d: %s", code, errOut)
	}
	if out, _, _ := f.runBarman(t, "barman-cloud-backup-keep", "--status", f.URL, catServer, ids[1]); out != "Keep: standalone\n" {
		t.Errorf("Barman's keep --status after ours: %q", out)
	}
	if _, errOut, code := f.runBarman(t, "barman-cloud-backup-keep", "--target", "full", f.URL, catServer, ids[2]); code != 0 {
		t.Fatalf("Barman's keep --target full: exit %d: %s", code, errOut)
	}
	f.same(t, "barman-cloud-backup-keep", "--status", f.URL, catServer, ids[2])
	f.same(t, "barman-cloud-backup-keep", "--status", f.URL, catServer, ids[3])
	if out := f.same(t, "barman-cloud-backup-list", f.URL, catServer); !strings.Contains(out, "KEEP:FULL") || !strings.Contains(out, "KEEP:STANDALONE") {
		t.Errorf("list does not show the keeps:\n%s", out)
	}
	before := f.keys(t, "backups")

	// refusals change nothing (checked after the dry runs).
	if _, errOut, code := f.run(t, "barman-cloud-backup-delete", "-b", ids[2], f.URL, catServer); code != 1 || !strings.Contains(errOut, "as it has a current keep request") {
		t.Errorf("delete of a kept backup: exit %d, %s", code, errOut)
	}
	if _, errOut, code := f.run(t, "barman-cloud-backup-delete", "-m", "5", "-b", ids[3], f.URL, catServer); code != 1 ||
		!strings.Contains(errOut, "due to minimum redundancy requirements (minimum redundancy = 5, current redundancy = 5)") {
		t.Errorf("delete under minimum redundancy: exit %d, %s", code, errOut)
	}
	if _, errOut, code := f.run(t, "barman-cloud-backup-keep", "--release", f.URL, catServer, ids[2]); code != 0 {
		t.Fatalf("keep --release: exit %d: %s", code, errOut)
	}
	if out, _, _ := f.runBarman(t, "barman-cloud-backup-keep", "--status", f.URL, catServer, ids[2]); out != "Keep: nokeep\n" {
		t.Errorf("Barman's keep --status after our release: %q", out)
	}
	released := f.keys(t, "backups")
	if a, b := diff(before, released); len(a) != 1 || !strings.HasSuffix(a[0], ids[2]+"/annotations/keep") || b != nil {
		t.Errorf("refusals and release changed the bucket: removed %v, added %v", a, b)
	}
	before = released

	// dry runs print the same plan and change nothing.
	plan := f.same(t, "barman-cloud-backup-delete", "--dry-run", "-r", "REDUNDANCY 2", f.URL, catServer)
	for _, id := range []string{ids[0], ids[2]} {
		if !strings.Contains(plan, "/base/"+id+"/backup.info") {
			t.Errorf("the REDUNDANCY 2 plan does not delete %s:\n%s", id, plan)
		}
	}
	if strings.Contains(plan, ids[1]) || !strings.Contains(plan, "/wals/") {
		t.Errorf("the REDUNDANCY 2 plan deletes the standalone backup %s or no WAL file:\n%s", ids[1], plan)
	}
	f.same(t, "barman-cloud-backup-delete", "--dry-run", "-b", ids[3], f.URL, catServer)
	f.same(t, "barman-cloud-backup-delete", "--dry-run", "-r", "RECOVERY WINDOW OF 1 DAYS", f.URL, catServer)
	f.same(t, "barman-cloud-backup-delete", "-b", "20010101T000000", f.URL, catServer)
	if !strings.Contains(plan, "/base/"+ids[0]+"/16385.tar") && !strings.Contains(plan, "/base/"+ids[0]+"/1") {
		t.Errorf("the plan deletes no tablespace archive:\n%s", plan)
	}
	if a, b := diff(before, f.keys(t, "backups")); a != nil || b != nil {
		t.Fatalf("dry runs changed the bucket: removed %v, added %v", a, b)
	}

	// the same deletes, Barman on "backups", ours on a copy.
	f.copyBucket(t, "backups", "copy")
	copyURL := "s3://copy/cluster"
	for _, args := range [][]string{{"-r", "REDUNDANCY 2"}, {"-b", ids[3]}, {"-b", "omega"}} {
		_, berr, bcode := f.runBarman(t, "barman-cloud-backup-delete", append(args, f.URL, catServer)...)
		_, errOut, code := f.run(t, "barman-cloud-backup-delete", append(args, copyURL, catServer)...)
		if code != 0 || bcode != 0 {
			t.Fatalf("delete %q: ours exit %d (%s), Barman's %d (%s)", args, code, errOut, bcode, berr)
		}
		if a, b := diff(f.keys(t, "backups"), f.keys(t, "copy")); a != nil || b != nil {
			t.Fatalf("after delete %q: only Barman kept %v; only we kept %v", args, a, b)
		}
		f.same(t, "barman-cloud-backup-list", "--format", "json", copyURL, catServer)
	}
	if got := f.backupIDs(t, "copy"); !slices.Equal(got, []string{failed, ids[1]}) {
		t.Errorf("after the deletes the backups are %v, want the kept %s alone", got, ids[1])
	}
	if gone, _ := diff(before, f.keys(t, "copy")); len(gone) < 10 || !slices.ContainsFunc(gone, func(k string) bool { return strings.Contains(k, "/wals/") }) {
		t.Errorf("the deletes removed only %v", gone)
	}
}

// TestDeleteLeftovers: a delete removes the backup directories without
// backup.info and the incomplete multipart uploads that are older than
// --leftover-age, and says so under --dry-run; younger ones stay.
func TestDeleteLeftovers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	st := f.store(t, f.Bucket)
	put := func(name string) {
		if err := storage.Save(ctx, st, name, strings.NewReader("status=FAILED\n"), storage.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A backup with its backup.info, and a dir where a delete was killed.
	put("pg/base/20200101T000000/backup.info")
	put("pg/base/20200101T000000/data.tar")
	put("pg/base/20200102T000000/data.tar")
	put("pg/base/20200102T000000/16385.tar")
	core := f.minio(t)
	var uploadIDs []string
	for _, key := range []string{"cluster/pg/base/20200103T000000/data.tar", "cluster/pg/wals/0000000100000000/000000010000000000000001"} {
		id, err := core.NewMultipartUpload(ctx, f.Bucket, key, minio.PutObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		uploadIDs = append(uploadIDs, id)
	}
	created := time.Now()
	uploads := func() []string {
		us, err := st.IncompleteUploads(ctx, "pg/")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, u := range us {
			out = append(out, u.Name)
		}
		return out
	}
	if got := uploads(); len(got) != 2 {
		t.Fatalf("the test's incomplete uploads: %v", got)
	}
	all := f.keys(t, f.Bucket)
	args := []string{"-r", "REDUNDANCY 1", f.URL, catServer}

	// Young: left alone, even by a real run.
	for _, extra := range [][]string{{"--dry-run"}, {}} {
		out, errOut, code := f.run(t, "barman-cloud-backup-delete", append(append(extra, "--leftover-age", "1h"), args...)...)
		if code != 0 || out != "" {
			t.Errorf("delete %v of young leftovers: exit %d, printed %q (%s)", extra, code, out, errOut)
		}
	}
	if got := f.keys(t, f.Bucket); !slices.Equal(got, all) || len(uploads()) != 2 {
		t.Fatalf("young leftovers were removed: %v, uploads %v", got, uploads())
	}

	// Old: the dry run says what goes, the run removes it.
	pgtest.Await(t, "the leftovers to be 2s old", 5*time.Second, func() bool { return time.Since(created) > 2*time.Second })
	out, errOut, code := f.run(t, "barman-cloud-backup-delete", append([]string{"--dry-run", "--leftover-age", "1s"}, args...)...)
	for _, want := range []string{"Skipping deletion of leftover objects ['cluster/pg/base/20200102T000000/16385.tar', 'cluster/pg/base/20200102T000000/data.tar']",
		"Skipping abort of incomplete upload cluster/pg/base/20200103T000000/data.tar",
		"Skipping abort of incomplete upload cluster/pg/wals/0000000100000000/000000010000000000000001"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("dry run: exit %d, printed:\n%s%s\nwant %q", code, out, errOut, want)
		}
	}
	if got := f.keys(t, f.Bucket); !slices.Equal(got, all) || len(uploads()) != 2 {
		t.Fatalf("the dry run removed leftovers: %v, uploads %v", got, uploads())
	}
	if _, errOut, code := f.run(t, "barman-cloud-backup-delete", append([]string{"--leftover-age", "1s"}, args...)...); code != 0 {
		t.Fatalf("delete: exit %d: %s", code, errOut)
	}
	want := []string{"cluster/pg/base/20200101T000000/backup.info", "cluster/pg/base/20200101T000000/data.tar"}
	if got := f.keys(t, f.Bucket); !slices.Equal(got, want) {
		t.Errorf("after the delete the bucket holds %v, want %v", got, want)
	}
	if got := uploads(); len(got) != 0 {
		t.Errorf("incomplete uploads left: %v", got)
	}
}

// minio is a low-level client of the fixture's server, to start
// multipart uploads that nobody completes.
func (f *fixture) minio(t *testing.T) minio.Core {
	t.Helper()
	c, err := minio.New(fmt.Sprintf("%s:%d", f.S3.Host, f.S3.Port), &minio.Options{
		Creds: credentials.NewStaticV4(f.S3.AccessKey, f.S3.SecretKey, ""), Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	return minio.Core{Client: c}
}
