package cloud

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"

	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage/s3store"
)

// backupCmd is barman-cloud-backup: a backup of the local PostgreSQL
// server (run it as the PostgreSQL OS user on its host) into the bucket.
type backupCmd struct {
	Common
	Gzip                bool     `short:"z" xor:"compression" help:"gzip-compress the backup while uploading to the cloud."`
	Bzip2               bool     `short:"j" xor:"compression" help:"bzip2-compress the backup while uploading to the cloud."`
	Snappy              bool     `xor:"compression" help:"snappy-compress the backup while uploading to the cloud."`
	Zstd                bool     `xor:"compression" help:"zstd-compress the backup (.tar.zst; Barman 3.4 cannot restore it)."`
	LZ4                 bool     `name:"lz4" xor:"compression" help:"lz4-compress the backup (.tar.lz4; Barman 3.4 cannot restore it)."`
	Host                string   `short:"h" help:"Host or Unix socket for the PostgreSQL connection (default: libpq settings)."`
	Port                string   `short:"p" help:"Port for the PostgreSQL connection (default: libpq settings)."`
	User                string   `short:"U" help:"User name for the PostgreSQL connection (default: libpq settings)."`
	DBName              string   `short:"d" name:"dbname" default:"postgres" help:"Database name or conninfo string for the PostgreSQL connection."`
	ImmediateCheckpoint bool     `name:"immediate-checkpoint" help:"Force the initial checkpoint to be done as quickly as possible."`
	Jobs                int      `short:"J" default:"2" help:"Parts uploaded at once (default: 2)."`
	MaxArchiveSize      string   `short:"S" name:"max-archive-size" default:"100GB" placeholder:"SIZE" help:"Maximum size of an archive when uploading to cloud storage (default: 100GB)."`
	Name                string   `short:"n" name:"name" help:"A name by which barman-cloud-restore and barman-cloud-backup-delete can refer to this backup."`
	Tags                []string `name:"tags" sep:"none" placeholder:"KEY,VALUE" help:"A tag added to every uploaded object (repeat the option for several)."`
	Encryption          string   `short:"e" enum:",AES256,aws:kms" default:"" help:"Server-side encryption of the uploaded objects: AES256 or aws:kms."`
	SSEKMSKeyID         string   `name:"sse-kms-key-id" placeholder:"ID" help:"The AWS KMS key of --encryption aws:kms (default: the bucket's)."`
	URL                 string   `arg:"" name:"destination_url" help:"URL of the cloud destination, e.g. s3://bucket/path."`
	Server              string   `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
}

func (c *backupCmd) compression() string {
	switch {
	case c.Gzip:
		return compress.Gzip
	case c.Bzip2:
		return compress.Bzip2
	case c.Snappy:
		return compress.Snappy
	case c.Zstd:
		return compress.Zstd
	case c.LZ4:
		return compress.LZ4
	}
	return compress.None
}

// checkOptions validates what kong cannot, as Barman's argument types do.
func (c *backupCmd) checkOptions() (maxSize int64, tags map[string]string, err error) {
	if c.Jobs < 1 {
		return 0, nil, fmt.Errorf("argument -J/--jobs: %d is an invalid positive int value", c.Jobs)
	}
	if maxSize, err = parseSize(c.MaxArchiveSize); err != nil {
		return 0, nil, fmt.Errorf("argument -S/--max-archive-size: %w", err)
	}
	if c.Name != "" {
		if err := checkBackupName(c.Name); err != nil {
			return 0, nil, fmt.Errorf("argument -n/--name: %w", err)
		}
	}
	if c.SSEKMSKeyID != "" && c.Encryption != "aws:kms" {
		return 0, nil, errors.New("--sse-kms-key-id needs --encryption aws:kms")
	}
	tags, err = parseTags(c.Tags)
	return maxSize, tags, err
}

var backupIDPattern = regexp.MustCompile(`^\d{8}T\d{6}$`)

// checkBackupName is Barman's check_backup_name.
func checkBackupName(name string) error {
	switch {
	case name == "":
		return errors.New("Backup name cannot be empty")
	case backupIDPattern.MatchString(name):
		return fmt.Errorf("Backup name '%s' is not allowed: backup ID", name)
	}
	for _, r := range []string{"latest", "last", "oldest", "first", "last-failed"} {
		if name == r {
			return fmt.Errorf("Backup name '%s' is not allowed: reserved word", name)
		}
	}
	return nil
}

// parseSize is Barman's check_size: "100GB" (base 1024), "100GiB" (base
// 1000, as Barman has it), "1234B" or a plain number of bytes.
func parseSize(value string) (int64, error) {
	v := strings.ToUpper(value)
	bad := fmt.Errorf("'%s' is not a valid size string", v)
	var n int64
	switch {
	case v == "":
		return 0, bad
	case strings.HasSuffix(v, "B"):
		base, idx := 1024.0, 2
		if len(v) >= 2 && v[len(v)-2] == 'I' {
			base, idx = 1000, 3
		}
		if len(v) < idx {
			return 0, bad
		}
		mult := base
		found := false
		for _, p := range "KMGTPEZY" {
			if v[len(v)-idx] == byte(p) {
				f, err := strconv.ParseFloat(v[:len(v)-idx], 64)
				if err != nil {
					return 0, bad
				}
				n, found = int64(f*mult), true
				break
			}
			mult *= base
		}
		if !found {
			i, err := strconv.ParseInt(v[:len(v)-idx+1], 10, 64)
			if err != nil {
				return 0, bad
			}
			n = i
		}
	default:
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, bad
		}
		n = i
	}
	if n < 1 {
		return 0, bad
	}
	return n, nil
}

// parseTags parses KEY,VALUE pairs (CSV, as Barman).
func parseTags(in []string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	tags := map[string]string{}
	for _, t := range in {
		rows, err := csv.NewReader(strings.NewReader(t)).ReadAll()
		if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
			return nil, fmt.Errorf("invalid tag format: %s (want KEY,VALUE)", t)
		}
		tags[rows[0][0]] = rows[0][1]
	}
	return tags, nil
}

// conninfo is Barman's build_conninfo.
func (c *backupCmd) conninfo() string {
	if c.DBName == "" || strings.Contains(c.DBName, "=") {
		return c.DBName
	}
	var parts []string
	for _, kv := range [][2]string{{"host", c.Host}, {"port", c.Port}, {"user", c.User}, {"dbname", c.DBName}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+"="+quoteConninfo(kv[1]))
		}
	}
	return strings.Join(parts, " ")
}

func quoteConninfo(v string) string {
	if v == "" {
		return "''"
	}
	if !strings.ContainsAny(v, " \t\n\r\f\v") {
		return v
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(v, `\`, `\\`), "'", `\'`) + "'"
}

// partSize is the multipart part size that carries an archive of up to
// maxSize (plus the largest file added past it, a 1 GiB relation
// segment) in S3's 10,000 parts: 16 MiB up to about 150 GiB.
func partSize(maxSize int64) int64 {
	need := (maxSize + 1<<30 + 9999) / 10000
	const mib = 1 << 20
	need = (need + mib - 1) / mib * mib
	return max(need, s3store.DefaultPartSize)
}

func (c *backupCmd) run(ctx context.Context, env *Env) error {
	maxSize, tags, err := c.checkOptions()
	if err != nil {
		return cliError(err)
	}
	// The live memory is about (jobs+2) parts of the uploads plus the
	// compressors' blocks; a soft limit makes the collector return the
	// garbage of finished parts and archives before the heap doubles.
	debug.SetMemoryLimit(memoryLimit(c.Jobs, partSize(maxSize)))
	if err := engine.CheckServerName(c.Server); err != nil {
		return cliError(err)
	}
	conn := c.conn(c.URL)
	conn.Encryption, conn.KMSKeyID, conn.Tags = c.Encryption, c.SSEKMSKeyID, tags
	conn.Jobs, conn.PartSize = c.Jobs, partSize(maxSize)
	st, exists, err := open(ctx, env, &c.Common, conn)
	if err != nil {
		return err
	}
	if !exists {
		// As Barman's setup_bucket: a backup creates its bucket.
		env.Log.Infof("Bucket %s does not exist, creating it", st.Config().Bucket)
		if err := st.CreateBucket(ctx); err != nil {
			return err
		}
	}
	laneConn := conn
	laneConn.Jobs = max(1, c.Jobs/2)
	lanes, err := engine.Open(laneConn)
	if err != nil {
		return cliError(err)
	}
	_, err = engine.Backup(ctx, st, engine.BackupOptions{LaneStore: lanes,
		Server: c.Server, Conninfo: c.conninfo(), Fast: c.ImmediateCheckpoint,
		Compression: c.compression(), MaxArchiveSize: maxSize, Name: c.Name, Jobs: c.Jobs, Log: env.Log,
	})
	var failed *engine.BackupFailed
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrConnect):
		env.Log.Errorf("Cannot connect to postgres: %v", errors.Unwrap(err))
		return &ExitError{Code: ExitOperation}
	case errors.As(err, &failed):
		env.Log.Errorf("Backup failed %s (%s)", failed.Action, firstLineOf(failed.Err))
		if !failed.Uploaded && failed.Action == "uploading data" {
			env.Log.Errorf("backup.info of %s could not be stored either: the backup is not listed", failed.ID)
		}
		if errors.Is(err, context.Canceled) {
			env.Log.Errorf("Barman cloud backup was interrupted by the user")
		}
		return &ExitError{Code: ExitOperation}
	}
	return &ExitError{Code: ExitGeneral, Err: fmt.Errorf("Barman cloud backup exception: %w", err)}
}

// memoryLimit is the soft memory limit of a backup: the parts buffered
// for the uploads (jobs in flight and, per archive written, the one being
// filled: two when a root is split), 64 MiB with the defaults: the
// compressors' blocks go past it, and the collector works harder there.
func memoryLimit(jobs int, part int64) int64 {
	return int64(jobs+2) * part
}

func firstLineOf(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}
